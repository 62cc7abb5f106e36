package journal

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkAppend is the till's hot path: a tap on a tile journals a line
// into the open sale of a journal that already holds a day's sales.
// The nosync variant leaves out bbolt's fsync, to show what the journal's
// own work (fold, JSON, hash, b-tree) costs beside the disk's.
func BenchmarkAppend(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { benchmarkAppend(b, false) })
	b.Run("nosync", func(b *testing.B) { benchmarkAppend(b, true) })
}

func benchmarkAppend(b *testing.B, noSync bool) {
	j, err := Open(filepath.Join(b.TempDir(), "kasse.db"), Options{Timeout: time.Second, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	j.db.NoSync = noSync
	var id uint64
	for i := range 200 {
		out, err := j.Append(
			Record{Kind: KindSaleOpened, Opened: &Opened{POSID: "pos", Currency: "NOK"}},
			Record{Kind: KindLineAdded, Line: line(fmt.Sprint("P", i), "Kaffe", 3900, 1)},
		)
		if err != nil {
			b.Fatal(err)
		}
		id = out[0].Sale
	}
	b.ResetTimer()
	for i := range b.N {
		// Ten products, their quantities going up: a sale of realistic size.
		if _, err := j.Append(Record{Kind: KindLineAdded, Sale: id, Line: line(fmt.Sprint("Q", i%10), "Bolle", 2500, i/10+1)}); err != nil {
			b.Fatal(err)
		}
	}
}
