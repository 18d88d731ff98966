package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The by-shop door answers the fixture's cohort (one cohort of 2 customers,
// 1 repeat) and RFM for client A's shop to A's viewer, and shows B's
// manager none of A's shops, even when asked for client A by id.
func TestAnalysesByShopAPI(t *testing.T) {
	e := newEnv(t)
	e.seedAnalyses()
	type shop struct {
		ShopID   int64           `json:"shop_id"`
		ClientID int64           `json:"client_id"`
		Result   json.RawMessage `json:"result"`
	}
	var out struct {
		Shops []shop `json:"shops"`
	}
	resp := e.do(e.byName["viewer_a"], "POST", "/api/v1/analyses/cohort/by-shop", `{"from":"2026-03-01","to":"2026-03-31"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("cohort by shop: %d %s", resp.StatusCode, readAll(resp))
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var cohorts struct {
		Cohorts []struct {
			Month           string `json:"month"`
			Size            int    `json:"size"`
			RepeatCustomers int    `json:"repeat_customers"`
		} `json:"cohorts"`
	}
	found := false
	for _, s := range out.Shops {
		if s.ClientID != e.a.ID {
			t.Errorf("A's viewer got shop %d of client %d", s.ShopID, s.ClientID)
		}
		if s.ShopID == e.shopA.ID {
			found = true
			if err := json.Unmarshal(s.Result, &cohorts); err != nil {
				t.Fatal(err)
			}
			if len(cohorts.Cohorts) != 1 || cohorts.Cohorts[0].Size != 2 || cohorts.Cohorts[0].RepeatCustomers != 1 {
				t.Errorf("A's shop cohorts %+v, want one of 2 customers, 1 repeat", cohorts.Cohorts)
			}
		}
	}
	if !found {
		t.Errorf("A's shop missing from %+v", out.Shops)
	}

	resp = e.do(e.byName["viewer_a"], "POST", "/api/v1/analyses/rfm/by-shop", fmt.Sprintf(`{"client_ids":[%d],"from":"2026-03-01","to":"2026-03-31"}`, e.a.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("rfm by shop: %d %s", resp.StatusCode, readAll(resp))
	}
	resp.Body.Close()

	resp = e.do(e.byName["manager_b"], "POST", "/api/v1/analyses/rfm/by-shop", fmt.Sprintf(`{"client_ids":[%d],"from":"2026-03-01","to":"2026-03-31"}`, e.a.ID))
	if resp.StatusCode != 404 {
		t.Errorf("B's manager asking for client A: %d, want 404", resp.StatusCode)
	}
	resp.Body.Close()
	resp = e.do(e.byName["manager_b"], "POST", "/api/v1/analyses/cohort/by-shop", `{"from":"2026-03-01","to":"2026-03-31"}`)
	out.Shops = nil
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, s := range out.Shops {
		if s.ClientID == e.a.ID {
			t.Errorf("B's manager got A's shop %d", s.ShopID)
		}
	}
}
