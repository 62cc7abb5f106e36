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
	m := m0
	if m1.txid > m0.txid {
		m = m1 // bbolt uses the newer meta
	}
	w := pageWalker{f: f, ps: ps, hwm: m.pgid, seen: map[uint64]bool{}}
	if m.free != ^uint64(0) {
		if err := w.freelist(m.free); err != nil {
			return bad("%v", err)
		}
	}
	if err := w.tree(m.root, 0); err != nil {
		return bad("%v", err)
	}
	return nil
}

// pageWalker checks, reading the file rather than bbolt's memory map, that
// every page reachable from the root is a branch or leaf page whose elements,
// keys, values and child page ids lie within the file. bbolt's own Check reads
// through the map on a goroutine of its own, where a wild offset is a fault
// that nothing can recover.
type pageWalker struct {
	f    *os.File
	ps   int64
	hwm  uint64
	seen map[uint64]bool
}

const (
	branchFlag     = 0x01
	leafFlag       = 0x02
	freelistFlag   = 0x10
	bucketLeafFlag = 0x01
	elemSize       = 16
	maxDepth       = 64
)

// read returns page id with its overflow pages.
func (w *pageWalker) read(id uint64) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("page %d is out of range (%d pages)", id, w.hwm)
	}
	head := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(head, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	over := uint64(binary.NativeEndian.Uint32(head[12:]))
	if id+over >= w.hwm {
		return nil, fmt.Errorf("page %d runs %d pages past the end", id, over)
	}
	p := make([]byte, int64(over+1)*w.ps)
	if _, err := w.f.ReadAt(p, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	if binary.NativeEndian.Uint64(p) != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, binary.NativeEndian.Uint64(p))
	}
	return p, nil
}

func (w *pageWalker) freelist(id uint64) error {
	p, err := w.read(id)
	if err != nil {
		return err
	}
	if binary.NativeEndian.Uint16(p[8:])&freelistFlag == 0 {
		return fmt.Errorf("page %d is not a freelist page", id)
	}
	idx, count := 0, uint64(binary.NativeEndian.Uint16(p[10:]))
	if count == 0xFFFF {
		idx, count = 1, binary.NativeEndian.Uint64(p[pageHeaderSize:])
	}
	if count > uint64(len(p)-pageHeaderSize)/8-uint64(idx) {
		return fmt.Errorf("freelist page %d claims %d ids", id, count)
	}
	for i := range count {
		if free := binary.NativeEndian.Uint64(p[pageHeaderSize+8*(uint64(idx)+i):]); free < 2 || free >= w.hwm {
			return fmt.Errorf("freelist page %d lists page %d, out of range", id, free)
		}
	}
	return nil
}

func (w *pageWalker) tree(id uint64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("page %d: the tree is too deep (a cycle?)", id)
	}
	if w.seen[id] {
		return fmt.Errorf("page %d is reached twice", id)
	}
	w.seen[id] = true
	p, err := w.read(id)
	if err != nil {
		return err
	}
	return w.page(p, id, depth)
}

// page checks one page's elements; p may also be an inline bucket's page.
func (w *pageWalker) page(p []byte, id uint64, depth int) error {
	e := binary.NativeEndian
	flags, count := e.Uint16(p[8:]), int(e.Uint16(p[10:]))
	if pageHeaderSize+count*elemSize > len(p) {
		return fmt.Errorf("page %d: %d elements do not fit", id, count)
	}
	for i := range count {
		at := pageHeaderSize + i*elemSize
		el := p[at : at+elemSize]
		switch {
		case flags&branchFlag != 0:
			pos, ksize, child := int(e.Uint32(el[0:])), int(e.Uint32(el[4:])), e.Uint64(el[8:])
			if at+pos+ksize > len(p) {
				return fmt.Errorf("page %d: element %d's key lies outside the page", id, i)
			}
			if err := w.tree(child, depth+1); err != nil {
				return err
			}
		case flags&leafFlag != 0:
			fl, pos, ksize, vsize := e.Uint32(el[0:]), int(e.Uint32(el[4:])), int(e.Uint32(el[8:])), int(e.Uint32(el[12:]))
			end := at + pos + ksize + vsize
			if end > len(p) || end < at {
				return fmt.Errorf("page %d: element %d lies outside the page", id, i)
			}
			if fl&bucketLeafFlag == 0 {
				continue
			}
			v := p[at+pos+ksize : end]
			if len(v) < 16 {
				return fmt.Errorf("page %d: element %d is a bucket too short to be one", id, i)
			}
			if root := e.Uint64(v); root != 0 {
				if err := w.tree(root, depth+1); err != nil {
					return err
				}
			} else if len(v) < 16+pageHeaderSize {
				return fmt.Errorf("page %d: element %d's inline bucket is cut short", id, i)
			} else if err := w.page(v[16:], id, depth+1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("page %d is neither a branch nor a leaf page", id)
		}
	}
	if count == 0 && flags&(branchFlag|leafFlag) == 0 {
		return fmt.Errorf("page %d is neither a branch nor a leaf page", id)
	}
	return nil
}
