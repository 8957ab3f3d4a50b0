package hashproc

import (
	"os"
	"testing"

	"github.com/scopegate/scopegate/password"
)

// BenchmarkVerify compares a verification with cheap parameters in this
// process and through a child process at normal priority. The difference
// is the cost of the round trip to the child:
//
//	go test -run '^$' -bench Verify -benchmem ./password/hashproc
func BenchmarkVerify(b *testing.B) {
	hasher := &password.Hasher{Params: testParams}

	encoded, err := hasher.Hash("correct horse")
	if err != nil {
		b.Fatal(err)
	}

	b.Run("in_process", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := hasher.Verify("correct horse", encoded); err != nil || !ok {
				b.Fatalf("Verify = %v, %v", ok, err)
			}
		}
	})

	b.Run("child", func(b *testing.B) {
		c, err := Start(Config{Path: os.Args[0], Args: []string{childServe}, Workers: 1, Hasher: hasher,
			Priority: PriorityNormal, ErrorHook: func(err error) { b.Errorf("child failed: %v", err) }})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()

		b.ReportAllocs()
		for b.Loop() {
			if ok, err := c.Verify("correct horse", encoded); err != nil || !ok {
				b.Fatalf("Verify = %v, %v", ok, err)
			}
		}
	})
}
