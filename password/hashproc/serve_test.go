package hashproc

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/scopegate/scopegate/password"
)

// serveFrames runs Serve on the given request stream and returns the
// responses it wrote and its error.
func serveFrames(t *testing.T, input []byte) ([]response, error) {
	t.Helper()

	var out bytes.Buffer
	err := Serve(bytes.NewReader(input), &out, 2)

	var responses []response
	r := bufio.NewReader(&out)
	for {
		resp, readErr := readResponse(r)
		if errors.Is(readErr, io.EOF) {
			return responses, err
		}

		if readErr != nil {
			t.Fatalf("read Serve's output: %v", readErr)
		}

		responses = append(responses, resp)
	}
}

func encodeRequests(t *testing.T, reqs ...request) []byte {
	t.Helper()

	var buf bytes.Buffer
	for _, req := range reqs {
		if err := writeRequest(&buf, req); err != nil {
			t.Fatalf("writeRequest: %v", err)
		}
	}

	return buf.Bytes()
}

func TestServeAnswersEachRequest(t *testing.T) {
	encoded := hashInProcess(t, "secret")
	input := encodeRequests(t,
		request{id: 1, op: opVerify, plain: "secret", encoded: encoded},
		request{id: 2, op: opVerify, plain: "wrong", encoded: encoded},
		request{id: 3, op: opHash, params: testParams, plain: "secret"},
		request{id: 4, op: opVerifyDummy, params: testParams, plain: "secret"},
		request{id: 5, op: opVerify, plain: "secret", encoded: "not a hash"},
		request{id: 6, op: 42},
	)

	responses, err := serveFrames(t, input)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}

	byID := make(map[uint64]response)
	for _, resp := range responses {
		byID[resp.id] = resp
	}

	if len(byID) != 6 {
		t.Fatalf("Serve answered ids %v, want 1 to 6 once each", byID)
	}

	checks := []struct {
		id     uint64
		status uint8
		kind   uint8
	}{
		{1, statusMatch, 0},
		{2, statusMismatch, 0},
		{3, statusHashed, 0},
		{4, statusDone, 0},
		{5, statusError, kindMalformedHash},
		{6, statusError, kindOther},
	}
	for _, check := range checks {
		resp := byID[check.id]
		if resp.status != check.status || resp.kind != check.kind {
			t.Errorf("request %d: status %d kind %d, want status %d kind %d (text %q)",
				check.id, resp.status, resp.kind, check.status, check.kind, resp.text)
		}
	}

	if ok, err := password.Verify("secret", byID[3].text); err != nil || !ok {
		t.Errorf("hash from Serve does not verify: %v, %v", ok, err)
	}

	if !strings.Contains(byID[6].text, "unknown operation 42") {
		t.Errorf("unknown operation text = %q", byID[6].text)
	}
}

func TestServeRejectsBrokenStreams(t *testing.T) {
	valid := encodeRequests(t, request{id: 1, op: opVerifyDummy, params: testParams, plain: "x"})

	oversized := binary.LittleEndian.AppendUint32(nil, maxFrameBytes+1)

	truncatedField := binary.LittleEndian.AppendUint32(nil, 9)
	truncatedField = append(truncatedField, make([]byte, 9)...)

	trailing := bytes.Clone(valid)
	binary.LittleEndian.PutUint32(trailing, binary.LittleEndian.Uint32(trailing)+1)
	trailing = append(trailing, 0)

	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"frame over the limit", oversized, "larger than"},
		{"frame cut short", valid[:len(valid)-1], "unexpected EOF"},
		{"field past the frame", truncatedField, "ends inside a field"},
		{"bytes after the last field", trailing, "after the last field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serveFrames(t, tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Serve error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestServeStopsAtEndOfInput(t *testing.T) {
	responses, err := serveFrames(t, nil)
	if err != nil || len(responses) != 0 {
		t.Errorf("Serve(empty input) = %d responses, %v; want none, nil", len(responses), err)
	}
}

func TestWriteRequestRejectsOversizedPassword(t *testing.T) {
	err := writeRequest(io.Discard, request{op: opVerify, plain: strings.Repeat("x", maxFrameBytes)})
	if !errors.Is(err, errFrameTooLarge) {
		t.Errorf("writeRequest(oversized) error = %v, want errFrameTooLarge", err)
	}
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte{})
	var buf bytes.Buffer
	_ = writeRequest(&buf, request{id: 7, op: opHash, params: testParams, plain: "secret", encoded: "x"})
	f.Add(buf.Bytes())

	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := readRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}

		var out bytes.Buffer
		if err := writeRequest(&out, req); err != nil {
			t.Fatalf("writeRequest of a request just read: %v", err)
		}

		again, err := readRequest(bufio.NewReader(&out))
		if err != nil || again != req {
			t.Fatalf("round trip = %+v, %v; want %+v", again, err, req)
		}
	})
}

func TestStatusFits(t *testing.T) {
	tests := []struct {
		op     operation
		status uint8
		want   bool
	}{
		{opVerify, statusMatch, true},
		{opVerify, statusMismatch, true},
		{opVerify, statusError, true},
		{opVerify, statusHashed, false},
		{opVerify, statusDone, false},
		{opVerifyDummy, statusDone, true},
		{opVerifyDummy, statusMatch, false},
		{opHash, statusHashed, true},
		{opHash, statusError, true},
		{opHash, statusMatch, false},
		{operation(42), statusDone, false},
	}
	for _, tt := range tests {
		if got := statusFits(tt.op, tt.status); got != tt.want {
			t.Errorf("statusFits(operation %d, status %d) = %v, want %v", tt.op, tt.status, got, tt.want)
		}
	}
}

func TestServeHoldsOneProcessorPerRunningRequest(t *testing.T) {
	const workers = 2

	before := runtime.GOMAXPROCS(0)

	var (
		mu  sync.Mutex
		set []int
	)
	testProcsSet = func(n int) {
		mu.Lock()
		set = append(set, n)
		mu.Unlock()
	}
	t.Cleanup(func() { testProcsSet = nil })

	encoded := hashInProcess(t, "secret")
	responses, err := serveFrames(t, encodeRequests(t,
		request{id: 1, op: opVerify, plain: "secret", encoded: encoded},
		request{id: 2, op: opVerify, plain: "wrong", encoded: encoded},
		request{id: 3, op: opVerifyDummy, params: testParams, plain: "secret"},
	))
	if err != nil || len(responses) != 3 {
		t.Fatalf("Serve = %d responses, %v; want 3, nil", len(responses), err)
	}

	mu.Lock()
	defer mu.Unlock()

	if len(set) == 0 || set[0] != 1 || set[len(set)-1] != 1 {
		t.Errorf("GOMAXPROCS set to %v, want 1 first and 1 again when no request runs", set)
	}

	for _, n := range set {
		if n < 1 || n > workers {
			t.Errorf("GOMAXPROCS set to %d, want 1 to %d (the running requests)", n, workers)
		}
	}

	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS after Serve = %d, want %d as before", got, before)
	}
}

// The setting follows the most goroutines running since none ran, up to
// the limit: it drops only when none runs, so that a request arriving while
// another runs finds a free processor.
func TestProcsFollowerFollowsRunningRequests(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))

	p := procsFollower{limit: 3}
	for _, step := range []struct{ delta, want int }{
		{0, 1}, {1, 1}, {1, 2}, {1, 3}, {1, 3}, {-1, 3}, {-1, 3}, {-1, 3}, {-1, 1}, {1, 1}, {1, 2},
	} {
		p.add(step.delta)

		if got := runtime.GOMAXPROCS(0); got != step.want {
			t.Fatalf("after add(%d), %d running: GOMAXPROCS = %d, want %d", step.delta, p.running, got, step.want)
		}
	}
}

func TestServeGivesEachLaneAProcessor(t *testing.T) {
	const lanes = 4

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(lanes))

	hasher := password.Hasher{Params: password.Params{Memory: 4 * 1024, Iterations: 1, Parallelism: lanes,
		SaltLength: 16, KeyLength: 32}}

	encoded, err := hasher.Hash("secret")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	var highest int
	testProcsSet = func(n int) { highest = max(highest, n) }
	t.Cleanup(func() { testProcsSet = nil })

	var out bytes.Buffer
	input := encodeRequests(t, request{id: 1, op: opVerify, plain: "secret", encoded: encoded})

	if err := Serve(bytes.NewReader(input), &out, 1); err != nil {
		t.Fatalf("Serve: %v", err)
	}

	resp, err := readResponse(bufio.NewReader(&out))
	if err != nil || resp.status != statusMatch {
		t.Fatalf("response = %+v, %v; want a match", resp, err)
	}

	if highest != lanes {
		t.Errorf("GOMAXPROCS reached %d while a check of a hash with %d lanes ran alone, want %d", highest,
			lanes, lanes)
	}

	if got := runtime.GOMAXPROCS(0); got != lanes {
		t.Errorf("GOMAXPROCS after Serve = %d, want %d as before", got, lanes)
	}
}
