package relay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the store file is not a whole bbolt file: empty, truncated
// or overwritten. The relay refuses it rather than start empty (every webhook
// would be refused as unknown) or crash on it; restore a backup.
var ErrDamaged = errors.New("relay: the store file is damaged")

// ErrNoStore means the store file does not exist and the command was not one
// that creates it.
var ErrNoStore = errors.New("relay: no store file")

// bbolt's on-disk meta page, as bbolt v1 writes it: a 16-byte page header,
// then magic, version, page size, flags, root bucket (pgid, sequence),
// freelist pgid, high-water pgid, txid and an FNV-64a checksum of the fields
// before it.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaSize   = 64
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

func readBoltMeta(b []byte) (boltMeta, error) {
	if len(b) < boltPageHeader+boltMetaSize {
		return boltMeta{}, errors.New("short meta page")
	}
	m := b[boltPageHeader : boltPageHeader+boltMetaSize]
	le := binary.LittleEndian // bbolt writes native order; Kasse runs on little-endian hosts
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("no bbolt magic")
	}
	if le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt version %d", le.Uint32(m[4:]))
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, errors.New("meta checksum mismatch")
	}
	return boltMeta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, nil
}

// checkBoltFile looks at a file before bbolt does. bbolt treats a 0-byte file
// as new and initialises it, and trusts the page numbers of a damaged one
// (reading past its mapping: SIGSEGV or SIGBUS). It returns os.ErrNotExist
// for a missing file.
func checkBoltFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return fmt.Errorf("%w: %s is empty (0 bytes); restore a backup, or remove it to start a new relay", ErrDamaged, path)
	}
	head := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("%w: %s is %d bytes, too short for a bbolt file", ErrDamaged, path, size)
	}
	var metas []boltMeta
	m0, err0 := readBoltMeta(head)
	if err0 == nil {
		metas = append(metas, m0)
	}
	// The second meta page sits one page in; its size comes from the first,
	// or, when that is damaged, from the usual page sizes.
	sizes := []int64{4096, 8192, 16384, 65536}
	if err0 == nil {
		sizes = []int64{int64(m0.pageSize)}
	}
	var pageSize int64
	for _, ps := range sizes {
		if _, err := f.ReadAt(head, ps); err != nil {
			continue
		}
		if m1, err := readBoltMeta(head); err == nil && int64(m1.pageSize) == ps {
			metas = append(metas, m1)
			pageSize = ps
			break
		}
	}
	if len(metas) == 0 {
		return fmt.Errorf("%w: %s: neither meta page is valid (%v)", ErrDamaged, path, err0)
	}
	if pageSize == 0 {
		pageSize = int64(m0.pageSize)
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("%w: %s: page size %d", ErrDamaged, path, pageSize)
	}
	if size%pageSize != 0 {
		return fmt.Errorf("%w: %s is %d bytes, not a whole number of %d-byte pages (truncated?)", ErrDamaged, path, size, pageSize)
	}
	// bbolt opens the meta with the higher txid; a file shorter than its
	// high-water mark has lost pages.
	best := metas[0]
	for _, m := range metas[1:] {
		if m.txid > best.txid {
			best = m
		}
	}
	if best.pgid > uint64(size/pageSize) || best.root >= best.pgid || (best.freelist >= best.pgid && best.freelist != ^uint64(0)) {
		return fmt.Errorf("%w: %s is %d pages, its meta needs %d (truncated?)", ErrDamaged, path, size/pageSize, best.pgid)
	}
	return nil
}

// openBolt opens a checked file and reads every page of it once, so that
// damage shows here as an error and not later as a crash in a handler.
// Faults while reading the mapping become panics (SetPanicOnFault), which
// are recovered into ErrDamaged.
func openBolt(path string, opts *bolt.Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				db.Close()
			}
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrDamaged, path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, err
	}
	if err := db.View(walkAll); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, path, err)
	}
	// bbolt's own consistency check (page references, freelist). It runs on
	// a goroutine of its own, which is why the walk above goes first: pages
	// outside the file have been caught by then.
	if err := db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained: the checker uses tx until it closes the channel
			if first == nil {
				first = err
			}
		}
		return first
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrDamaged, path, err)
	}
	return db, nil
}

// walkSink keeps the walk's reads of values from being optimised away.
var walkSink byte

// walkAll touches every key of every bucket, and the first and last byte of
// every value (which reaches a value's last overflow page).
func walkAll(tx *bolt.Tx) error {
	var walk func(b *bolt.Bucket, depth int) error
	walk = func(b *bolt.Bucket, depth int) error {
		if depth > 8 {
			return errors.New("buckets nested too deep")
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) > 0 {
				walkSink ^= v[0] ^ v[len(v)-1]
			}
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return walk(sub, depth+1)
				}
			}
			return nil
		})
	}
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
		return walk(b, 0)
	})
}
