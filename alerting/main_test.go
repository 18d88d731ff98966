package alerting_test

import (
	"os"
	"testing"
)

func makeTemp() (string, error) { return os.MkdirTemp("", "daiyun-alerting-") }

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		if shared != nil {
			shared.cat.Close()
			shared.wh.Close()
		}
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}
