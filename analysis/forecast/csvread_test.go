package forecast

import (
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	s, err := ReadCSV(strings.NewReader("quarter,v\n2005Q2,2\n2005Q1,1\n2005-Q3,3\n"), "q.csv", "quarter", "v")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Values) != 3 || s.Values[0] != 1 || s.Dates[1].Format("2006-01-02") != "2005-04-01" || s.Dates[2].Format("2006-01-02") != "2005-07-01" {
		t.Errorf("got %v %v", s.Dates, s.Values)
	}
	for _, bad := range []string{
		"date,value\n2024-01-01,x\n",               // not a number
		"date,value\n2024-13-01,1\n",               // not a date
		"date,value\n2024-01-01,1\n2024-01-01,2\n", // twice
		"day,value\n2024-01-01,1\n",                // no date column
		"date,value\n",                             // no rows
	} {
		if _, err := ReadCSV(strings.NewReader(bad), "bad.csv", "date", "value"); err == nil {
			t.Errorf("no error for %q", bad)
		} else if !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("date,value\n2024-01-01,1\n2024-01-02,2.5\n")
	f.Add("date,value\n1949-01,112\n1949-02,118\n")
	f.Add("date,value\n2005Q1,41.7\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadCSV(strings.NewReader(in), "fuzz.csv", "date", "value")
		if err != nil {
			return
		}
		if len(s.Dates) != len(s.Values) || len(s.Dates) == 0 {
			t.Fatalf("%d dates, %d values", len(s.Dates), len(s.Values))
		}
		for i := 1; i < len(s.Dates); i++ {
			if !s.Dates[i].After(s.Dates[i-1]) {
				t.Fatal("dates not strictly increasing")
			}
		}
	})
}
