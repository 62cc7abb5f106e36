package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Damage is a part of the journal that could not be read. The journal reads
// past it: every other sale stays available.
type Damage struct {
	Seq  uint64 // the record, or 0 for a sale's index entry
	Sale uint64 // the sale it belongs to, if known
	What string
}

func (d Damage) String() string {
	switch {
	case d.Seq == 0:
		return fmt.Sprintf("the index entry of sale %d cannot be read: %s (it was folded from its records)", d.Sale, d.What)
	case d.Sale == 0:
		return fmt.Sprintf("record %d cannot be read: %s", d.Seq, d.What)
	}
	return fmt.Sprintf("record %d of sale %d cannot be read: %s", d.Seq, d.Sale, d.What)
}

// Damage lists what was found unreadable since Open, each once, in the order
// found.
func (j *Journal) Damage() []Damage {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Damage(nil), j.damage...)
}

func (j *Journal) addDamage(d Damage) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.seen[d] {
		return
	}
	j.seen[d] = true
	j.damage = append(j.damage, d)
	j.log.Error("journal damage", "damage", d.String(), "path", j.path)
}

// noteDamage records that record seq does not parse, naming its sale.
func (j *Journal) noteDamage(tx *bolt.Tx, seq uint64, err error) {
	j.addDamage(Damage{Seq: seq, Sale: saleOf(tx, seq), What: err.Error()})
}

// saleOf finds the sale a record belongs to from sale-records, whose keys do
// not depend on the record's (damaged) bytes. It scans: damage is rare.
func saleOf(tx *bolt.Tx, seq uint64) uint64 {
	b := tx.Bucket(bucketSaleRecords)
	if b == nil {
		return 0
	}
	var sale uint64
	_ = b.ForEach(func(k, _ []byte) error {
		if len(k) == 16 && u64(k[8:]) == seq {
			sale = u64(k[:8])
			return errStop
		}
		return nil
	})
	return sale
}

var errStop = errors.New("stop")

// guard turns a panic, or a memory fault, while reading a damaged file into
// ErrCorrupt. bbolt trusts the page pointers it reads; damaged ones make it
// panic or fault, and the till must say "restore from a backup", not crash.
// Deferred by the function that does the reading.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w (reading it failed: %v)", ErrCorrupt, r)
	}
}

// withFaultsAsPanics runs fn with memory faults turned into panics on this
// goroutine, so that guard can catch them.
func withFaultsAsPanics(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	return fn()
}

// checkTx runs bbolt's consistency check.
func checkTx(tx *bolt.Tx) error {
	var problems []string
	for err := range tx.Check() {
		if len(problems) < 5 {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w (%s)", ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// bbolt's file format, as far as checkFile reads it (go.etcd.io/bbolt
// internal/common): each page starts with a 16-byte header; pages 0 and 1
// hold a meta, written in the machine's byte order, whose checksum is FNV-64a
// over the fields before it.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64 // magic, version, pageSize, flags, root(16), freelist, pgid, txid, checksum
	metaSumOffset  = 56
)

type boltMeta struct {
	pageSize           uint32
	root, free, pgid   uint64
	txid               uint64
	rootSeq, flags     uint64
	magic, version     uint32
	checksum, computed uint64
}

func readMeta(b []byte) boltMeta {
	e := binary.NativeEndian
	h := fnv.New64a()
	h.Write(b[:metaSumOffset])
	return boltMeta{
		magic: e.Uint32(b[0:]), version: e.Uint32(b[4:]), pageSize: e.Uint32(b[8:]),
		flags: uint64(e.Uint32(b[12:])), root: e.Uint64(b[16:]), rootSeq: e.Uint64(b[24:]),
		free: e.Uint64(b[32:]), pgid: e.Uint64(b[40:]), txid: e.Uint64(b[48:]),
		checksum: e.Uint64(b[56:]), computed: h.Sum64(),
	}
}

// checkFile checks an existing file's size and both meta pages before bbolt
// maps it: bbolt reads pages through the memory map without bounds checks, so
// a truncated file or a wild page id is a SIGSEGV, not an error.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	size := fi.Size()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("open %s: %w (%s)", path, ErrCorrupt, fmt.Sprintf(format, a...))
	}
	if size < 2*512 {
		return bad("the file is %d bytes, too short to be a journal", size)
	}
	head := make([]byte, pageHeaderSize+metaSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return bad("reading its header: %v", err)
	}
	m0 := readMeta(head[pageHeaderSize:])
	ps := int64(m0.pageSize)
	if m0.magic != boltMagic || ps < 512 || ps > 1<<16 || ps&(ps-1) != 0 {
		return bad("the first meta page is not a bbolt meta page")
	}
	if size < 2*ps || size%ps != 0 {
		return bad("the file is %d bytes, not a whole number of %d-byte pages (cut short?)", size, ps)
	}
	if _, err := f.ReadAt(head, ps); err != nil {
		return bad("reading the second meta page: %v", err)
	}
	m1 := readMeta(head[pageHeaderSize:])
	for i, m := range []boltMeta{m0, m1} {
		switch {
		case m.magic != boltMagic || m.version != boltVersion:
			return bad("meta page %d: wrong magic or version", i)
		case m.checksum != m.computed:
			return bad("meta page %d: checksum mismatch", i)
		case int64(m.pageSize) != ps:
			return bad("meta page %d: page size %d, not %d", i, m.pageSize, ps)
		case m.pgid < 2 || int64(m.pgid) > size/ps:
			return bad("meta page %d: %d pages in use but the file has %d (cut short?)", i, m.pgid, size/ps)
		case m.root < 2 || m.root >= m.pgid:
			return bad("meta page %d: root page %d out of range", i, m.root)
		case m.free != ^uint64(0) && (m.free < 2 || m.free >= m.pgid):
			return bad("meta page %d: freelist page %d out of range", i, m.free)
		}
	}
	return nil
}
