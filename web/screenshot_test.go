package web_test

import (
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshot writes a PNG of a page of a running server, for the docs.
// It runs only when DAIYUN_SCREENSHOT_URL is set, e.g.
//
//	DAIYUN_SCREENSHOT_URL=http://127.0.0.1:8080/ DAIYUN_SCREENSHOT_USER=admin@demo.daiyun.local \
//	DAIYUN_SCREENSHOT_PASSWORD=demo-admin DAIYUN_SCREENSHOT_OUT=$PWD/docs/overview.png go test -run Screenshot ./web
func TestScreenshot(t *testing.T) {
	url := os.Getenv("DAIYUN_SCREENSHOT_URL")
	if url == "" {
		t.Skip("set DAIYUN_SCREENSHOT_URL to take a screenshot")
	}
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), os.Getenv("DAIYUN_SCREENSHOT_USER")),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), os.Getenv("DAIYUN_SCREENSHOT_PASSWORD")),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		// The header's nav exists only once logged in; the login page has an
		// h1 too, and navigating before its redirect lands aborts it.
		chromedp.WaitVisible(chromedp.CSS(`header nav`)),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
		chromedp.Sleep(1500*time.Millisecond), // let the charts draw
	)
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv("DAIYUN_SCREENSHOT_OUT"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
