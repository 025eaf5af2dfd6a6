package jsonld

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"
)

// This file implements the RDF Dataset Canonicalization algorithm RDFC-1.0
// (https://www.w3.org/TR/rdf-canon/) with SHA-256, bounded by a work budget.

// issuer is an identifier issuer (https://www.w3.org/TR/rdf-canon/#issue-identifier).
type issuer struct {
	prefix  string
	counter int
	issued  map[string]string // existing identifier → issued identifier
	order   []string          // existing identifiers in issue order
}

func newIssuer(prefix string) *issuer {
	return &issuer{prefix: prefix, issued: make(map[string]string)}
}

// issue returns the identifier issued for existing, issuing one if needed
// (https://www.w3.org/TR/rdf-canon/#issue-identifier-algorithm).
func (is *issuer) issue(existing string) string {
	if id, ok := is.issued[existing]; ok {
		return id
	}
	id := is.prefix + strconv.Itoa(is.counter)
	is.counter++
	is.issued[existing] = id
	is.order = append(is.order, existing)
	return id
}

func (is *issuer) clone() *issuer {
	c := &issuer{prefix: is.prefix, counter: is.counter, issued: make(map[string]string, len(is.issued)+4)}
	for k, v := range is.issued {
		c.issued[k] = v
	}
	c.order = append(make([]string, 0, len(is.order)+4), is.order...)
	return c
}

// canonState is the canonicalization state
// (https://www.w3.org/TR/rdf-canon/#canon-state), plus the work budget.
type canonState struct {
	ctx         context.Context
	quads       []quad
	bnodeQuads  map[string][]int  // blank node identifier → indexes of quads that mention it
	firstDegree map[string]string // blank node identifier → its first-degree hash
	canon       *issuer
	work        int
	maxWork     int
	buf         []byte
	lines       [][]byte
	newHash     func() hash.Hash // SHA-256 unless a test asks for another
	sum         []byte
}

// hashHex returns the hex-encoded hash of b.
func (st *canonState) hashHex(b []byte) string {
	h := st.newHash()
	h.Write(b)
	st.sum = h.Sum(st.sum[:0])
	return hex.EncodeToString(st.sum)
}

// spend charges n units of work and checks the context every so often.
func (st *canonState) spend(n int) error {
	st.work += n
	if st.maxWork > 0 && st.work > st.maxWork {
		return limitErr("MaxWork", st.maxWork)
	}
	if st.work&0xff < n || n > 0xff {
		if err := st.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// canonicalize runs RDFC-1.0 on quads (which must be free of duplicates) and
// returns the canonical N-Quads document and the issued identifier map.
func canonicalize(ctx context.Context, quads []quad, lim Limits) (string, map[string]string, error) {
	return canonicalizeHash(ctx, quads, lim, sha256.New)
}

// canonicalizeHash is canonicalize with the hash function as a parameter
// (RDFC-1.0 allows others than SHA-256; the test suite uses SHA-384 once).
func canonicalizeHash(ctx context.Context, quads []quad, lim Limits, newHash func() hash.Hash) (string, map[string]string, error) {
	st := &canonState{
		newHash:     newHash,
		ctx:         ctx,
		quads:       quads,
		bnodeQuads:  make(map[string][]int),
		firstDegree: make(map[string]string),
		canon:       newIssuer("c14n"),
		maxWork:     lim.MaxWork,
	}
	// Step 2: the blank node to quads map. Each list starts in a slab
	// (room for four quads; more copy it out) rather than in an
	// allocation of its own.
	var slab []int
	for i := range quads {
		q := &quads[i]
		for _, t := range [...]*term{&q.s, &q.o, &q.g} {
			if t.kind == kindBlank {
				l := st.bnodeQuads[t.value]
				if l == nil {
					if len(slab) < 4 {
						slab = make([]int, 64)
					}
					l, slab = slab[:0:4], slab[4:]
				}
				if n := len(l); n == 0 || l[n-1] != i {
					st.bnodeQuads[t.value] = append(l, i)
				}
			}
		}
	}
	if lim.MaxBlankNodes > 0 && len(st.bnodeQuads) > lim.MaxBlankNodes {
		return "", nil, limitErr("MaxBlankNodes", lim.MaxBlankNodes)
	}

	// Step 3: hash to blank nodes map, from first-degree hashes. Blank nodes
	// are visited in sorted order only so that runs are reproducible.
	ids := make([]string, 0, len(st.bnodeQuads))
	for id := range st.bnodeQuads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	hashToBnodes := make(map[string][]string, len(ids))
	for _, id := range ids {
		if err := st.spend(len(st.bnodeQuads[id])); err != nil {
			return "", nil, err
		}
		h := st.hashFirstDegree(id)
		hashToBnodes[h] = append(hashToBnodes[h], id)
	}
	hashes := make([]string, 0, len(hashToBnodes))
	for h := range hashToBnodes {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)

	// Step 4: issue canonical identifiers for blank nodes with unique hashes.
	var shared []string
	for _, h := range hashes {
		l := hashToBnodes[h]
		if len(l) > 1 {
			shared = append(shared, h)
			continue
		}
		st.canon.issue(l[0])
	}

	// Step 5: the remaining blank nodes, by N-degree hashes.
	for _, h := range shared {
		type result struct {
			hash string
			is   *issuer
		}
		var paths []result
		for _, id := range hashToBnodes[h] {
			if _, ok := st.canon.issued[id]; ok {
				continue
			}
			tmp := newIssuer("b")
			tmp.issue(id)
			hash, is, err := st.hashNDegree(id, tmp)
			if err != nil {
				return "", nil, err
			}
			paths = append(paths, result{hash, is})
		}
		slices.SortStableFunc(paths, func(a, b result) int {
			switch {
			case a.hash < b.hash:
				return -1
			case a.hash > b.hash:
				return 1
			}
			return 0
		})
		for _, r := range paths {
			for _, existing := range r.is.order {
				st.canon.issue(existing)
			}
		}
	}

	// Step 6: the canonical dataset, serialized and sorted.
	lines := make([][]byte, 0, len(quads))
	var out []byte
	for i := range quads {
		q := quads[i]
		for _, t := range [...]*term{&q.s, &q.o, &q.g} {
			if t.kind == kindBlank {
				t.value = st.canon.issued[t.value]
			}
		}
		start := len(out)
		out = appendQuad(out, &q)
		lines = append(lines, out[start:len(out):len(out)])
	}
	slices.SortFunc(lines, bytes.Compare)
	lines = slices.CompactFunc(lines, bytes.Equal)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	res := make([]byte, 0, n)
	for _, l := range lines {
		res = append(res, l...)
	}
	return string(res), st.canon.issued, nil
}

// hashFirstDegree implements Hash First Degree Quads
// (https://www.w3.org/TR/rdf-canon/#hash-1d-quads). Results are memoized.
func (st *canonState) hashFirstDegree(ref string) string {
	if h, ok := st.firstDegree[ref]; ok {
		return h
	}
	qs := st.bnodeQuads[ref]
	st.buf = st.buf[:0]
	st.lines = st.lines[:0]
	for _, i := range qs {
		q := st.quads[i]
		for _, t := range [...]*term{&q.s, &q.o, &q.g} {
			if t.kind == kindBlank {
				if t.value == ref {
					t.value = "a"
				} else {
					t.value = "z"
				}
			}
		}
		start := len(st.buf)
		st.buf = appendQuad(st.buf, &q)
		st.lines = append(st.lines, st.buf[start:len(st.buf):len(st.buf)])
	}
	slices.SortFunc(st.lines, bytes.Compare)
	h := st.newHash()
	for _, l := range st.lines {
		h.Write(l)
	}
	st.sum = h.Sum(st.sum[:0])
	sum := hex.EncodeToString(st.sum)
	st.firstDegree[ref] = sum
	return sum
}

// hashRelated implements Hash Related Blank Node
// (https://www.w3.org/TR/rdf-canon/#hash-related-blank-node).
func (st *canonState) hashRelated(related string, q *quad, is *issuer, position byte) string {
	b := make([]byte, 0, 128)
	b = append(b, position)
	if position != 'g' {
		b = append(b, '<')
		b = append(b, q.p.value...)
		b = append(b, '>')
	}
	if id, ok := st.canon.issued[related]; ok {
		b = append(b, "_:"...)
		b = append(b, id...)
	} else if id, ok := is.issued[related]; ok {
		b = append(b, "_:"...)
		b = append(b, id...)
	} else {
		b = append(b, st.hashFirstDegree(related)...)
	}
	return st.hashHex(b)
}

// hashNDegree implements Hash N-Degree Quads
// (https://www.w3.org/TR/rdf-canon/#hash-nd-quads).
func (st *canonState) hashNDegree(id string, is *issuer) (string, *issuer, error) {
	if err := st.spend(1); err != nil {
		return "", nil, err
	}
	// Steps 1–3: related hash to related blank nodes map.
	hn := make(map[string][]string)
	for _, qi := range st.bnodeQuads[id] {
		q := &st.quads[qi]
		for _, c := range [...]struct {
			t   *term
			pos byte
		}{{&q.s, 's'}, {&q.o, 'o'}, {&q.g, 'g'}} {
			if c.t.kind == kindBlank && c.t.value != id {
				if err := st.spend(1); err != nil {
					return "", nil, err
				}
				h := st.hashRelated(c.t.value, q, is, c.pos)
				hn[h] = append(hn[h], c.t.value)
			}
		}
	}
	keys := make([]string, 0, len(hn))
	for h := range hn {
		keys = append(keys, h)
	}
	slices.Sort(keys)

	// Steps 4–5.
	data := st.newHash()
	for _, h := range keys {
		data.Write([]byte(h))
		var chosenPath []byte
		var chosenIssuer *issuer
		perm := slices.Clone(hn[h])
		slices.Sort(perm)
		for {
			// A permutation costs about one unit per related blank node
			// plus the copy of the issuer.
			if err := st.spend(1 + len(perm) + len(is.order)); err != nil {
				return "", nil, err
			}
			isCopy := is.clone()
			var path []byte
			var recursion []string
			skip := false
			for _, related := range perm {
				if cid, ok := st.canon.issued[related]; ok {
					path = append(path, "_:"...)
					path = append(path, cid...)
				} else {
					if _, ok := isCopy.issued[related]; !ok {
						recursion = append(recursion, related)
					}
					path = append(path, "_:"...)
					path = append(path, isCopy.issue(related)...)
				}
				if chosenPath != nil && len(path) >= len(chosenPath) && bytes.Compare(path, chosenPath) > 0 {
					skip = true
					break
				}
			}
			if !skip {
				for _, related := range recursion {
					rh, ris, err := st.hashNDegree(related, isCopy)
					if err != nil {
						return "", nil, err
					}
					path = append(path, "_:"...)
					path = append(path, isCopy.issue(related)...)
					path = append(path, '<')
					path = append(path, rh...)
					path = append(path, '>')
					isCopy = ris
					if chosenPath != nil && len(path) >= len(chosenPath) && bytes.Compare(path, chosenPath) > 0 {
						skip = true
						break
					}
				}
			}
			if !skip && (chosenPath == nil || bytes.Compare(path, chosenPath) < 0) {
				chosenPath = path
				chosenIssuer = isCopy
			}
			if !nextPermutation(perm) {
				break
			}
		}
		data.Write(chosenPath)
		is = chosenIssuer
	}
	st.sum = data.Sum(st.sum[:0])
	return hex.EncodeToString(st.sum), is, nil
}

// nextPermutation rearranges s into the next permutation in lexicographic
// order and reports whether there was one.
func nextPermutation(s []string) bool {
	i := len(s) - 2
	for i >= 0 && s[i] >= s[i+1] {
		i--
	}
	if i < 0 {
		return false
	}
	j := len(s) - 1
	for s[j] <= s[i] {
		j--
	}
	s[i], s[j] = s[j], s[i]
	slices.Reverse(s[i+1:])
	return true
}
