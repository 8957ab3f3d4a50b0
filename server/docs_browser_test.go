package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/scopegate/scopegate/scope"
)

// docsChromiumPath is where Debian's chromium package installs the
// browser. The test installs nothing; .ci/run installs the package.
const docsChromiumPath = "/usr/bin/chromium"

// docsScreenshotEnv names the variable that, when set to a file path, makes
// the browser test save a PNG of the Authorize dialog there, as shown in
// docs/api-docs.md.
const docsScreenshotEnv = "SCOPEGATE_DOCS_SCREENSHOT"

// docsStepTimeout bounds each step of the browser test, so that a selector
// that never appears fails the test with the step's name.
const docsStepTimeout = 15 * time.Second

// docsBrowserTimeout bounds the browser's life, so that a browser that
// hangs cannot hold the test until go test's own timeout. The test takes
// about 10 seconds.
const docsBrowserTimeout = 2 * time.Minute

// Swagger UI's elements that the test uses, as Swagger UI 5 renders them.
const (
	docsAuthorizeButton = ".auth-wrapper .btn.authorize"
	docsDialog          = ".dialog-ux .modal-ux"
	docsApplyButton     = `button[aria-label="Apply given OAuth2 credentials"]`
	docsLogoutButton    = `button[aria-label="Remove authorization"]`
	docsCloseButton     = ".dialog-ux .btn-done"
)

// The Swagger UI page at /docs works in headless Chromium. The test logs in
// through the Authorize dialog with the password flow and only "me"
// ticked. A route that needs "me" then returns 200, and one that also needs
// "items" returns 403. After a logout and a login with both scopes, the
// second route returns 200. This runs once for each place where Swagger UI
// can put the client credentials. Any console error, uncaught exception,
// failed request or request to another host than the test server fails
// the test.
func TestDocsPageInBrowser(t *testing.T) {
	docsRequireChromium(t)

	s := docsStartServer(t)
	browser := docsStartBrowser(t)

	modes := []struct {
		name string

		// value is the option of Swagger UI's "Client credentials
		// location" select.
		value string
	}{
		{name: "Authorization header", value: "basic"},
		{name: "Request body", value: "request-body"},
	}

	for i, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			tab := docsOpenTab(t, browser, s.baseURL)
			if i == 0 {
				tab.screenshotPath = os.Getenv(docsScreenshotEnv)
			}

			tab.openDocs()

			tab.authorize(mode.value, "me")
			tab.tryOut("get_users_me", http.StatusOK, `"johndoe"`)
			tab.tryOut("get_users_me_items", http.StatusForbidden, "insufficient_scope")

			tab.logout()
			tab.authorize(mode.value, "me", "items")
			tab.tryOut("get_users_me_items", http.StatusOK, `"Foo"`)

			tab.checkTokenRequests(mode.value, []scope.Set{scope.New("me"), scope.New("me", "items")})
			tab.checkBearerSent()
			tab.checkProblems()
		})
	}
}

// docsRequireChromium skips the test when Chromium is not installed. When
// the CI variable is set, it fails the test instead, because CI installs
// Chromium.
func docsRequireChromium(t *testing.T) {
	t.Helper()

	if _, err := os.Stat(docsChromiumPath); err == nil {
		return
	}

	msg := fmt.Sprintf("%s not found; install Debian's Chromium with `apt-get install chromium`",
		docsChromiumPath)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}

	t.Skip(msg)
}

// docsStartBrowser starts headless Chromium with a fresh profile and
// returns its context, which the test's cleanup cancels. The flags keep the
// browser from connecting to any other host on its own.
func docsStartBrowser(t *testing.T) context.Context {
	t.Helper()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(docsChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)

	limited, cancelLimit := context.WithTimeout(context.Background(), docsBrowserTimeout)
	t.Cleanup(cancelLimit)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(limited, opts...)
	t.Cleanup(cancelAlloc)

	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)

	// The first Do starts the browser, which lives as long as the context
	// of that call. So it gets no step timeout.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start %s: %v", docsChromiumPath, err)
	}

	return browser
}

// docsTab is a browser tab on the test server's docs page. It records the
// problems that fail the test and the requests the page sends.
type docsTab struct {
	t       *testing.T
	ctx     context.Context
	baseURL string
	host    string

	// screenshotPath, when not empty, is where authorize saves a PNG of
	// the Authorize dialog, once.
	screenshotPath string

	mu       sync.Mutex
	problems []string
	urls     map[network.RequestID]string
	requests []*network.Request
}

// docsOpenTab opens a new tab in browser. When the test fails, a
// screenshot of the tab is saved to a new temporary folder and its path
// logged.
func docsOpenTab(t *testing.T, browser context.Context, baseURL string) *docsTab {
	t.Helper()

	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}

	tab := &docsTab{t: t, baseURL: baseURL, host: u.Host, urls: make(map[network.RequestID]string)}

	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(tab.listen))
	t.Cleanup(cancel)
	tab.ctx = ctx

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}

	t.Cleanup(func() {
		if t.Failed() {
			tab.saveFailureScreenshot()
		}
	})

	return tab
}

// listen records the events of the tab. Chromedp calls it on the loop
// that reads the tab's messages, so it only records.
func (tab *docsTab) listen(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()

	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			tab.problems = append(tab.problems, "console error: "+docsConsoleText(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		tab.problems = append(tab.problems, "uncaught exception: "+docsExceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		// The browser logs every response with an error status under
		// the source "network"; the response check below judges those.
		// Other errors, such as a Content-Security-Policy violation,
		// fail the test.
		if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
			tab.problems = append(tab.problems,
				fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		tab.recordRequest(ev.RequestID, ev.Request)
	case *network.EventResponseReceived:
		tab.checkResponse(ev.Response)
	case *network.EventLoadingFailed:
		// A request that the page or a navigation canceled did not fail.
		if !ev.Canceled {
			tab.problems = append(tab.problems, fmt.Sprintf("request for %s failed: %s %s",
				tab.urls[ev.RequestID], ev.ErrorText, ev.BlockedReason))
		}
	}
}

// recordRequest keeps a request to the test server and reports one to any
// other host. The page may use data: URLs, which send nothing.
func (tab *docsTab) recordRequest(id network.RequestID, req *network.Request) {
	tab.urls[id] = req.URL

	u, err := url.Parse(req.URL)
	if err != nil {
		tab.problems = append(tab.problems, fmt.Sprintf("request to an unreadable URL %q: %v", req.URL, err))
		return
	}

	if u.Scheme == "data" {
		return
	}

	if u.Scheme != "http" || u.Host != tab.host {
		tab.problems = append(tab.problems, "request to another host than the test server: "+req.URL)
		return
	}

	tab.requests = append(tab.requests, req)
}

// checkResponse reports a response with an error status, except the 403
// that the test expects from /users/me/items/ while the token lacks
// "items".
func (tab *docsTab) checkResponse(resp *network.Response) {
	if resp.Status < http.StatusBadRequest {
		return
	}

	if resp.Status == http.StatusForbidden && strings.HasSuffix(resp.URL, "/users/me/items/") {
		return
	}

	tab.problems = append(tab.problems, fmt.Sprintf("response %d for %s", resp.Status, resp.URL))
}

func docsConsoleText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, arg := range args {
		switch {
		case len(arg.Value) > 0:
			parts = append(parts, string(arg.Value))
		default:
			parts = append(parts, arg.Description)
		}
	}

	return strings.Join(parts, " ")
}

func docsExceptionText(details *runtime.ExceptionDetails) string {
	if details == nil {
		return "(no details)"
	}

	text := details.Text
	if details.Exception != nil && details.Exception.Description != "" {
		text += " " + details.Exception.Description
	}

	return fmt.Sprintf("%s at %s:%d:%d", text, details.URL, details.LineNumber+1, details.ColumnNumber+1)
}

// do runs the actions of one step, failing the test with the step's name
// when they fail or time out.
func (tab *docsTab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()

	ctx, cancel := context.WithTimeout(tab.ctx, docsStepTimeout)
	defer cancel()

	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.t.Fatalf("%s: %v", step, err)
	}
}

// docsRun runs the action of one step and returns its value, failing the
// test with the step's name when it fails or times out.
func docsRun[T any](tab *docsTab, step string, action chromedp.Action[T]) T {
	tab.t.Helper()

	ctx, cancel := context.WithTimeout(tab.ctx, docsStepTimeout)
	defer cancel()

	value, err := chromedp.Run(ctx, action)
	if err != nil {
		tab.t.Fatalf("%s: %v", step, err)
	}

	return value
}

func (tab *docsTab) openDocs() {
	tab.t.Helper()

	tab.do("open /docs",
		chromedp.Navigate(tab.baseURL+"/docs"),
		chromedp.WaitVisible(chromedp.CSS("#operations-users-get_users_me")),
		chromedp.WaitVisible(chromedp.CSS(docsAuthorizeButton)),
	)
}

// docsCheckbox is a scope's checkbox in the Authorize dialog.
type docsCheckbox struct {
	ID          string `json:"id"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
	Checked     bool   `json:"checked"`
}

const docsCheckboxesJS = `Array.from(document.querySelectorAll(".dialog-ux .scopes input[type=checkbox]"))
	.map(c => ({
		id: c.id,
		scope: c.dataset.value,
		description: c.closest(".checkbox").querySelector(".description").textContent,
		checked: c.checked
	}))`

// authorize logs johndoe in through the Authorize dialog's password flow,
// with the client credentials where mode puts them and only scopes ticked.
func (tab *docsTab) authorize(mode string, scopes ...string) {
	tab.t.Helper()

	tab.do("open the Authorize dialog",
		chromedp.Click(chromedp.CSS(docsAuthorizeButton)),
		chromedp.WaitVisible(chromedp.CSS("#oauth_username")),
	)

	tab.do("fill in the password flow",
		chromedp.SendKeys(chromedp.CSS("#oauth_username"), "johndoe"),
		chromedp.SendKeys(chromedp.CSS("#oauth_password"), "secret"),
		chromedp.SetValue(chromedp.CSS("#password_type"), mode),
	)

	location := docsRun(tab, "read the credentials location", chromedp.Value(chromedp.CSS("#password_type")))
	if location != mode {
		tab.t.Fatalf("client credentials location = %q, want %q", location, mode)
	}

	tab.tickScopes(scopes)
	tab.saveDialogScreenshot()

	ctx, cancel := context.WithTimeout(tab.ctx, docsStepTimeout)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(docsApplyButton)),
		chromedp.WaitVisible(chromedp.CSS(docsLogoutButton)),
	)
	if err != nil {
		tab.t.Fatalf("authorize with %q: %v; the dialog shows %q", scopes, err, tab.dialogErrors())
	}

	tab.do("close the Authorize dialog",
		chromedp.Click(chromedp.CSS(docsCloseButton)),
		chromedp.WaitNotPresent(chromedp.CSS(docsDialog)),
	)
}

// tickScopes clicks the labels of the dialog's scope checkboxes until
// exactly scopes are ticked, and checks that every scope of the document
// is offered with its description.
func (tab *docsTab) tickScopes(scopes []string) {
	tab.t.Helper()

	want := make(map[string]bool)
	for _, name := range scopes {
		want[name] = true
	}

	boxes := docsRun(tab, "read the scope checkboxes", chromedp.Evaluate[[]docsCheckbox](docsCheckboxesJS))
	docsCheckOffered(tab.t, boxes)

	for _, box := range boxes {
		if box.Checked != want[box.Scope] {
			label := chromedp.CSS(`label[for="` + box.ID + `"]`)
			tab.do("click the checkbox of "+box.Scope, chromedp.Click(label))
		}
	}

	boxes = docsRun(tab, "read the scope checkboxes", chromedp.Evaluate[[]docsCheckbox](docsCheckboxesJS))
	for _, box := range boxes {
		if box.Checked != want[box.Scope] {
			tab.t.Fatalf("checkbox of %q ticked = %t after clicking its label, want %t",
				box.Scope, box.Checked, want[box.Scope])
		}
	}
}

// docsCheckOffered checks that the dialog offers the catalog's scopes,
// each with its description.
func docsCheckOffered(t *testing.T, boxes []docsCheckbox) {
	t.Helper()

	wantDescriptions := map[string]string{
		"me":    "Read information about the current user.",
		"items": "Read items.",
	}

	if len(boxes) != len(wantDescriptions) {
		t.Fatalf("the dialog has %d scope checkboxes, want %d: %+v", len(boxes), len(wantDescriptions), boxes)
	}

	for _, box := range boxes {
		if want := wantDescriptions[box.Scope]; box.Description != want {
			t.Errorf("scope %q description = %q, want %q", box.Scope, box.Description, want)
		}
	}
}

// dialogErrors returns the error messages that the Authorize dialog shows,
// or "" when it shows none or cannot be read.
func (tab *docsTab) dialogErrors() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 2*time.Second)
	defer cancel()

	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll(".dialog-ux .errors")).map(e => e.innerText).join(" | ")`))
	if err != nil {
		return ""
	}

	return text
}

func (tab *docsTab) logout() {
	tab.t.Helper()

	tab.do("log out",
		chromedp.Click(chromedp.CSS(docsAuthorizeButton)),
		chromedp.Click(chromedp.CSS(docsLogoutButton)),
		chromedp.WaitVisible(chromedp.CSS(docsApplyButton)),
		chromedp.Click(chromedp.CSS(docsCloseButton)),
		chromedp.WaitNotPresent(chromedp.CSS(docsDialog)),
	)
}

// tryOut runs an operation with "Try it out" and "Execute", and checks the
// status and a piece of the response that the page shows.
func (tab *docsTab) tryOut(operationID string, wantStatus int, wantText string) {
	tab.t.Helper()

	block := "#operations-users-" + operationID
	step := "GET " + operationID

	if !docsRun(tab, step+": is it expanded", docsHasElement(block+".is-open")) {
		tab.do(step+": expand", chromedp.Click(chromedp.CSS(block+" .opblock-summary-control")))
	}

	if !docsRun(tab, step+": is Try it out on", docsHasElement(block+" .try-out__btn.cancel")) {
		tab.do(step+": Try it out", chromedp.Click(chromedp.CSS(block+" .try-out__btn")))
	}

	// A response from an earlier run would satisfy the waits below.
	if docsRun(tab, step+": has a response", docsHasElement(block+" .btn-clear")) {
		tab.do(step+": clear the response",
			chromedp.Click(chromedp.CSS(block+" .btn-clear")),
			chromedp.WaitNotPresent(chromedp.CSS(block+" .live-responses-table")),
		)
	}

	// The table's first row is its header, with the words Code and
	// Details in these columns.
	response := block + " .live-responses-table tr.response"
	statusCell := response + " .response-col_status"
	tab.do(step+": Execute",
		chromedp.Click(chromedp.CSS(block+" .execute")),
		chromedp.WaitVisible(chromedp.CSS(statusCell)),
	)

	status := docsRun(tab, step+": read the status", chromedp.Text(chromedp.CSS(statusCell)))
	if got := strings.TrimSpace(status); got != fmt.Sprint(wantStatus) {
		tab.t.Errorf("%s: the page shows status %q, want %d", step, got, wantStatus)
	}

	described := docsRun(tab, step+": read the response",
		chromedp.Text(chromedp.CSS(response+" .response-col_description")))
	if !strings.Contains(described, wantText) {
		tab.t.Errorf("%s: the page shows the response %q, want it to contain %q", step, described, wantText)
	}
}

// docsHasElement reports whether the page has an element that matches the
// CSS selector, without waiting for one.
func docsHasElement(selector string) chromedp.Action[bool] {
	return chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", selector))
}

// checkTokenRequests checks the requests that the dialog sent to the token
// endpoint: one per login, with the scopes of each, and with the public
// client's credentials where mode puts them.
func (tab *docsTab) checkTokenRequests(mode string, wantScopes []scope.Set) {
	tab.t.Helper()

	var logins []*network.Request
	for _, req := range tab.recorded() {
		if req.Method == http.MethodPost && docsPath(req.URL) == "/token" {
			logins = append(logins, req)
		}
	}

	if len(logins) != len(wantScopes) {
		tab.t.Fatalf("the page sent %d token requests, want %d", len(logins), len(wantScopes))
	}

	for i, req := range logins {
		form := docsPostForm(tab.t, req)
		if got, err := scope.Parse(form.Get("scope")); err != nil || !got.Equal(wantScopes[i]) {
			tab.t.Errorf("token request %d: scope = %q, want %q", i+1, form.Get("scope"), wantScopes[i])
		}

		if got := form.Get("username"); got != "johndoe" {
			tab.t.Errorf("token request %d: username = %q, want johndoe", i+1, got)
		}

		docsCheckClientCredentials(tab.t, i+1, mode, docsHeader(req, "Authorization"), form)
	}
}

// docsCheckClientCredentials checks that token request number n carried the
// public client's id where mode puts it, and nowhere else.
func docsCheckClientCredentials(t *testing.T, n int, mode, authorization string, form url.Values) {
	t.Helper()

	switch mode {
	case "basic":
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("scopegate-public:"))
		if authorization != want {
			t.Errorf("token request %d: Authorization = %q, want %q", n, authorization, want)
		}

		if form.Has("client_id") {
			t.Errorf("token request %d: the body has client_id %q, want none", n, form.Get("client_id"))
		}
	case "request-body":
		if authorization != "" {
			t.Errorf("token request %d: Authorization = %q, want none", n, authorization)
		}

		if got := form.Get("client_id"); got != "scopegate-public" {
			t.Errorf("token request %d: client_id = %q, want scopegate-public", n, got)
		}
	default:
		t.Fatalf("unknown client credentials location %q", mode)
	}
}

// checkBearerSent checks that every call of a protected route carried the
// token as a bearer token.
func (tab *docsTab) checkBearerSent() {
	tab.t.Helper()

	calls := 0
	for _, req := range tab.recorded() {
		if !strings.HasPrefix(docsPath(req.URL), "/users/me/") {
			continue
		}

		calls++
		if got := docsHeader(req, "Authorization"); !strings.HasPrefix(got, "Bearer ") {
			tab.t.Errorf("%s %s: Authorization does not start with \"Bearer \"", req.Method, req.URL)
		}
	}

	if calls != 3 {
		tab.t.Errorf("the page called /users/me/ routes %d times, want 3", calls)
	}
}

// checkProblems fails the test for each problem that the listener
// recorded.
func (tab *docsTab) checkProblems() {
	tab.t.Helper()

	tab.mu.Lock()
	defer tab.mu.Unlock()

	for _, problem := range tab.problems {
		tab.t.Error(problem)
	}
}

func (tab *docsTab) recorded() []*network.Request {
	tab.mu.Lock()
	defer tab.mu.Unlock()

	return append([]*network.Request(nil), tab.requests...)
}

func docsPath(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}

	return u.Path
}

// docsHeader returns the value of a request header, whose name the
// browser reports in the case the page used.
func docsHeader(req *network.Request, name string) string {
	for key, value := range req.Headers {
		if strings.EqualFold(key, name) {
			return fmt.Sprint(value)
		}
	}

	return ""
}

// docsPostForm returns the form-encoded body of req.
func docsPostForm(t *testing.T, req *network.Request) url.Values {
	t.Helper()

	var body []byte
	for _, entry := range req.PostDataEntries {
		body = append(body, entry.Bytes...)
	}

	if len(body) == 0 {
		t.Fatalf("%s %s: the browser reported no request body", req.Method, req.URL)
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatalf("%s %s: body is not form-encoded: %v", req.Method, req.URL, err)
	}

	return form
}

// saveDialogScreenshot saves a PNG of the Authorize dialog to
// screenshotPath, once, when it is set.
func (tab *docsTab) saveDialogScreenshot() {
	tab.t.Helper()

	if tab.screenshotPath == "" {
		return
	}

	// Swagger UI's stylesheet limits the dialog's content to 540 pixels
	// and scrolls the rest. The limit is lifted while the screenshot is
	// taken, so that the picture shows the whole dialog.
	content := `document.querySelector(".dialog-ux .modal-ux-content")`
	tab.do("show the whole dialog", chromedp.Evaluate[chromedp.Void](content+`.style.maxHeight = "none"`))
	png := docsRun(tab, "take a screenshot of the dialog", chromedp.Screenshot(chromedp.CSS(docsDialog)))
	tab.do("restore the dialog's height", chromedp.Evaluate[chromedp.Void](content+`.style.maxHeight = ""`))
	if err := os.WriteFile(tab.screenshotPath, png, 0o644); err != nil {
		tab.t.Fatalf("save the dialog screenshot: %v", err)
	}

	tab.t.Logf("saved a screenshot of the Authorize dialog to %s", tab.screenshotPath)
	tab.screenshotPath = ""
}

// saveFailureScreenshot saves a PNG of the whole page to a new temporary
// folder, which outlives the test, and logs its path.
func (tab *docsTab) saveFailureScreenshot() {
	ctx, cancel := context.WithTimeout(tab.ctx, 10*time.Second)
	defer cancel()

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tab.t.Logf("no screenshot of the failed test: %v", err)
		return
	}

	dir, err := os.MkdirTemp("", "scopegate-docs-browser-")
	if err != nil {
		tab.t.Logf("no screenshot of the failed test: %v", err)
		return
	}

	name := strings.NewReplacer("/", "_", " ", "_").Replace(tab.t.Name()) + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Logf("no screenshot of the failed test: %v", err)
		return
	}

	tab.t.Logf("screenshot of the failed test: %s", path)
}
