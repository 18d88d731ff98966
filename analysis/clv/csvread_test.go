package clv

import (
	"math"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	txs, err := ReadCSV(strings.NewReader("\ufeffcustomer_id,date,amount,order_id\nc1,2024-01-02,10.5,o1\nc1,19970101,3,o2\nc2,2024-01-03T10:00:00Z,1,o3\n"), "t.csv", DefaultColumns)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 3 || txs[0].Amount != 10.5 || txs[1].Date.Year() != 1997 || txs[2].Date.Day() != 3 {
		t.Errorf("got %+v", txs)
	}
	for _, bad := range []string{
		"customer_id,date,amount\nc1,2024-01-02,ten\n",
		"customer_id,date,amount\nc1,02/01/2024,1\n",
		"customer_id,date,amount\n,2024-01-02,1\n",
		"customer,date,amount\nc1,2024-01-02,1\n",
		"customer_id,date,amount\n",
		"customer_id,date,amount\nc1,2024-01-02,NaN\n",
		"customer_id,date,amount\nc1,2024-01-02,-5\n",
		"customer_id,date,amount\nc1,2024-01-02,-5\n",
	} {
		if _, err := ReadCSV(strings.NewReader(bad), "bad.csv", DefaultColumns); err == nil {
			t.Errorf("no error for %q", bad)
		} else if !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("customer_id,date,amount\nc1,2024-01-02,10\nc1,2024-02-02,5\n")
	f.Add("customer_id,date,amount,order_id\n4,19970101,29.33,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		txs, err := ReadCSV(strings.NewReader(in), "fuzz.csv", DefaultColumns)
		if err != nil {
			return
		}
		for _, tx := range txs {
			if tx.CustomerID == "" || math.IsNaN(tx.Amount) || math.IsInf(tx.Amount, 0) || tx.Amount < 0 {
				t.Fatalf("bad transaction %+v", tx)
			}
		}
	})
}
