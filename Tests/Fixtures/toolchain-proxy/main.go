// Command toolchain-proxy is gover's test fixture for issue 12: a loopback Go module proxy
// serving golang.org/toolchain, plus a Go checksum database (sumdb) whose protocol side is
// the go command's own code (golang.org/x/mod/sumdb, tlog, note, dirhash). gover's Swift
// verifier is thereby tested against the real implementation rather than against itself.
//
//	toolchain-proxy pack   --tarball go1.22.10.linux-amd64.tar.gz --out DIR [--goos linux --goarch amd64]
//	toolchain-proxy zip    --out FILE.zip [NAME=SOURCE | --file NAME=SOURCE | --data NAME=TEXT | --symlink NAME=TARGET]...
//	toolchain-proxy keygen --name NAME --seed HEX
//	toolchain-proxy serve  --dir DIR --name NAME --seed HEX [--log FILE] [--exit-on-stdin-eof] [hostile options]
//
// Run a subcommand with -h for its options.
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const toolchainModule = "golang.org/toolchain"

func main() {
	log.SetFlags(0)
	log.SetPrefix("toolchain-proxy: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: toolchain-proxy pack|zip|keygen|serve ...")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "pack":
		pack(args)
	case "zip":
		makeZip(args)
	case "keygen":
		keygen(args)
	case "serve":
		serve(args)
	default:
		log.Fatalf("unknown subcommand %q", os.Args[1])
	}
}

// ---- pack: the module form of a binary distribution, as cmd/distpack writes it ----

type distFile struct {
	name string
	data []byte
}

// pack reads a go.dev binary tarball (top directory go/) and writes
// DIR/golang.org/toolchain/@v/<v>.{zip,mod,info}, adding <v> to @v/list. It follows
// src/cmd/distpack/pack.go: same file selection, modes, times, order, prefix, _go.mod
// renaming and Deflate at best compression, so the zip hashes like the one on proxy.golang.org.
func pack(args []string) {
	fl := flag.NewFlagSet("pack", flag.ExitOnError)
	tarball := fl.String("tarball", "", "go.dev binary distribution, goVERSION.GOOS-GOARCH.tar.gz")
	out := fl.String("out", "", "proxy directory to write into")
	goos := fl.String("goos", "linux", "GOOS of the distribution")
	goarch := fl.String("goarch", "amd64", "GOARCH of the distribution")
	fl.Parse(args)
	if *tarball == "" || *out == "" {
		log.Fatal("pack: --tarball and --out are required")
	}
	files := readTarball(*tarball)
	var version string
	var versionTime time.Time
	kept := files[:0]
	for _, f := range files {
		if f.name == "VERSION" {
			version, versionTime = parseVERSION(f.data)
		}
		if keepInModule(f.name, *goos+"_"+*goarch) {
			kept = append(kept, f)
		}
	}
	if version == "" {
		log.Fatal("pack: the tarball has no go/VERSION")
	}
	modVers := "v0.0.1-" + version + "." + *goos + "-" + *goarch
	prefix := toolchainModule + "@" + modVers + "/"
	for i := range kept {
		kept[i].name = prefix + kept[i].name
		// A module zip may hold no go.mod but its own (distpack's RenameGoMod).
		if strings.HasSuffix(kept[i].name, "/go.mod") {
			kept[i].name = strings.TrimSuffix(kept[i].name, "go.mod") + "_go.mod"
		}
	}
	sort.Slice(kept, func(i, j int) bool { return nameLess(kept[i].name, kept[j].name) })

	dir := filepath.Join(*out, toolchainModule, "@v")
	check(os.MkdirAll(dir, 0o777))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, f := range kept {
		h, err := zip.FileInfoHeader(fileInfo{f.name, int64(len(f.data)), distMode(strings.TrimPrefix(f.name, prefix)), versionTime})
		check(err)
		h.Name = f.name
		h.Method = zip.Deflate
		w, err := zw.CreateHeader(h)
		check(err)
		_, err = w.Write(f.data)
		check(err)
	}
	check(zw.Close())
	// Written under a temporary name and renamed: a reader never sees half a zip.
	writeAtomically(filepath.Join(dir, modVers+".zip"), buf.Bytes())
	writeAtomically(filepath.Join(dir, modVers+".mod"), []byte("module "+toolchainModule+"\n"))
	writeAtomically(filepath.Join(dir, modVers+".info"),
		[]byte(fmt.Sprintf("{%q:%q, %q:%q}\n", "Version", modVers, "Time", versionTime.Format(time.RFC3339))))
	list, _ := os.ReadFile(filepath.Join(dir, "list"))
	if !containsLine(string(list), modVers) {
		writeAtomically(filepath.Join(dir, "list"), append(list, modVers+"\n"...))
	}
	fmt.Println(modVers)
}

// readTarball returns the regular files under go/ in a gzip'd tar, names relative to go/.
func readTarball(name string) []distFile {
	f, err := os.Open(name)
	check(err)
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	check(err)
	tr := tar.NewReader(gz)
	var files []distFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		check(err)
		if h.Typeflag != tar.TypeReg {
			continue // distpack walks files only; directories are implied
		}
		rel, ok := strings.CutPrefix(h.Name, "go/")
		if !ok {
			log.Fatalf("pack: %s is outside go/", h.Name)
		}
		data, err := io.ReadAll(tr)
		check(err)
		files = append(files, distFile{rel, data})
	}
}

// keepInModule is distpack's filter from GOROOT to the module zip: the base removals, the
// binary distribution's bin/ and pkg/ subset, then the module's api/doc/misc/test removal.
func keepInModule(name, goosUnderGoarch string) bool {
	for _, pattern := range []string{".git/", ".github/", "misc/cgo/", "api/", "doc/", "misc/", "test/"} {
		if strings.HasPrefix(name, pattern) {
			return false
		}
	}
	switch name {
	case ".gitattributes", ".gitignore", "VERSION.cache", "src/cmd/dist/dist", "src/cmd/dist/dist.exe":
		return false
	}
	if path.Base(name) == ".DS_Store" || strings.HasSuffix(name, ".exe~") {
		return false
	}
	if strings.HasPrefix(name, "bin/") {
		b := strings.TrimSuffix(strings.TrimPrefix(name, "bin/"), ".exe")
		return b == "go" || b == "gofmt"
	}
	if strings.HasPrefix(name, "pkg/") {
		if strings.HasPrefix(name, "pkg/include/") {
			return true
		}
		if !strings.HasPrefix(name, "pkg/tool/"+goosUnderGoarch+"/") {
			return false
		}
		switch strings.TrimSuffix(path.Base(name), ".exe") {
		case "api", "dist", "distpack", "metadata":
			return false
		}
	}
	return true
}

// distMode is distpack's mode(): modes are computed from names, not taken from the input.
func distMode(name string) fs.FileMode {
	if strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "pkg/tool/") ||
		strings.HasSuffix(name, ".bash") || strings.HasSuffix(name, ".sh") ||
		strings.HasSuffix(name, ".pl") || strings.HasSuffix(name, ".rc") {
		return 0o755
	}
	if ok, _ := path.Match("go_?*_?*_exec", path.Base(name)); ok { // distpack's amatch("**/go_?*_?*_exec")
		return 0o755
	}
	return 0o644
}

// nameLess is distpack's order: foo/bar/baz sorts before foo/bar.go.
func nameLess(x, y string) bool {
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			if x[i] == '/' {
				return true
			}
			if y[i] == '/' {
				return false
			}
			return x[i] < y[i]
		}
	}
	return len(x) < len(y)
}

// parseVERSION reads "goX.Y.Z\ntime RFC3339\n..." as distpack's readVERSION does.
func parseVERSION(data []byte) (string, time.Time) {
	version, rest, _ := strings.Cut(string(data), "\n")
	var t time.Time
	for _, line := range strings.Split(rest, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "time" {
			var err error
			t, err = time.ParseInLocation(time.RFC3339, f[1], time.UTC)
			check(err)
		}
	}
	return version, t
}

// fileInfo feeds zip.FileInfoHeader, which derives the external attributes from the mode.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	time time.Time
}

func (i fileInfo) Name() string       { return path.Base(i.name) }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return i.time }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }

// ---- zip: arbitrary, possibly hostile, archives ----

// makeZip writes the entries in command-line order with exactly the names given: "../x",
// "/abs", names outside any module prefix and duplicates are all written as asked.
// NAME=SOURCE (or --file NAME=SOURCE) takes the bytes of SOURCE, --data NAME=TEXT the text
// itself, --symlink NAME=TARGET an entry with the symlink mode bits and TARGET as body.
// NAME is everything before the last "=". --store writes the following entries uncompressed
// (--deflate again deflated). --list FILE reads more NAME=SOURCE entries, one a line.
func makeZip(args []string) {
	var out string
	type entry struct {
		name, kind, value string
		store             bool
	}
	var entries []entry
	store := false
	for i := 0; i < len(args); i++ {
		arg := args[i]
		kind := "file"
		if arg == "--list" && i+1 < len(args) {
			list, err := os.ReadFile(args[i+1])
			check(err)
			lines := strings.Split(strings.TrimSuffix(string(list), "\n"), "\n")
			args = append(append(append([]string(nil), args[:i]...), lines...), args[i+2:]...)
			i--
			continue
		}
		switch arg {
		case "--out", "--file", "--data", "--symlink":
			if i+1 == len(args) {
				log.Fatalf("zip: %s needs a value", arg)
			}
			i++
			if arg == "--out" {
				out = args[i]
				continue
			}
			kind, arg = strings.TrimPrefix(arg, "--"), args[i]
		case "--store":
			store = true
			continue
		case "--deflate":
			store = false
			continue
		}
		eq := strings.LastIndex(arg, "=")
		if eq < 0 {
			log.Fatalf("zip: %q is not NAME=VALUE", arg)
		}
		entries = append(entries, entry{arg[:eq], kind, arg[eq+1:], store})
	}
	if out == "" {
		log.Fatal("zip: --out is required")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data := []byte(e.value)
		mode := fs.FileMode(0o644)
		switch e.kind {
		case "file":
			var err error
			data, err = os.ReadFile(e.value)
			check(err)
		case "symlink":
			mode = fs.ModeSymlink | 0o777
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if e.store {
			h.Method = zip.Store
		}
		h.SetMode(mode) // unix mode in the external attributes, creator "unix"
		w, err := zw.CreateHeader(h)
		check(err)
		_, err = w.Write(data)
		check(err)
	}
	check(zw.Close())
	writeAtomically(out, buf.Bytes())
}

// ---- keygen: deterministic note keys ----

// keyPair derives an Ed25519 note key pair from a hex seed: the same seed gives the same
// keys on every run, so tests are reproducible. note.GenerateKey reads exactly 32 bytes.
func keyPair(name, seedHex string) (skey, vkey string) {
	seed, err := hex.DecodeString(seedHex)
	if err != nil {
		log.Fatalf("--seed: %v", err)
	}
	sum := sha256.Sum256(seed)
	skey, vkey, err = note.GenerateKey(bytes.NewReader(sum[:]), name)
	check(err)
	return skey, vkey
}

// keygen prints the verifier key (for GOSUMDB) on line 1, the signer key on line 2.
func keygen(args []string) {
	fl := flag.NewFlagSet("keygen", flag.ExitOnError)
	name := fl.String("name", "", "checksum database name")
	seed := fl.String("seed", "", "hex seed")
	fl.Parse(args)
	skey, vkey := keyPair(*name, *seed)
	fmt.Println(vkey)
	fmt.Println(skey)
}

// ---- serve: proxy + checksum database ----

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// record is one sumdb record: the go.sum lines of one module version.
type record struct {
	path, version string
	text          []byte
}

func (r record) is(key string) bool { return key == r.version || key == r.path+"@"+r.version }

// database implements sumdb.ServerOps over a tree built once at start.
type database struct {
	records []record
	hashes  []tlog.Hash // stored hashes (tlog.StoredHashes), in order
	signed  []byte      // the signed tree note for all records
	lookup  map[string]int64
}

func (d *database) Signed(ctx context.Context) ([]byte, error) { return d.signed, nil }

func (d *database) ReadRecords(ctx context.Context, id, n int64) ([][]byte, error) {
	if id < 0 || id+n > int64(len(d.records)) {
		return nil, os.ErrNotExist
	}
	var list [][]byte
	for _, r := range d.records[id : id+n] {
		list = append(list, r.text)
	}
	return list, nil
}

func (d *database) Lookup(ctx context.Context, m module.Version) (int64, error) {
	if id, ok := d.lookup[m.String()]; ok {
		return id, nil
	}
	return 0, os.ErrNotExist
}

func (d *database) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	return tlog.ReadTileData(t, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		var list []tlog.Hash
		for _, i := range indexes {
			if i < 0 || i >= int64(len(d.hashes)) {
				return nil, os.ErrNotExist
			}
			list = append(list, d.hashes[i])
		}
		return list, nil
	}))
}

func serve(args []string) {
	fl := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fl.String("dir", "", "proxy directory: served as GOPROXY, and every <path>/@v/<v>.zip in it gets a record")
	name := fl.String("name", "", "checksum database name, served at /sumdb/NAME/")
	seed := fl.String("seed", "", "hex seed of the key clients are told (keygen)")
	logFile := fl.String("log", "", "append \"METHOD PATH STATUS\" per request")
	exitOnEOF := fl.Bool("exit-on-stdin-eof", false, "exit when stdin reaches EOF")
	order := fl.String("order", "", "comma-separated versions (or path@version): record order; the rest follow, sorted")
	var wrongH1, lookupAnswers, noRecord listFlag
	fl.Var(&wrongH1, "wrong-h1", "V: V's record carries a different h1 than its zip (repeatable)")
	fl.Var(&lookupAnswers, "lookup-answers", "V=W: a lookup of V returns W's record (repeatable)")
	fl.Var(&noRecord, "no-record", "V: lookup of V answers 404 \"not found\" (repeatable)")
	signSeed := fl.String("sign-seed", "", "hex seed of another key that signs the tree instead")
	prepend := fl.Int("prepend-records", 0, "N made-up records before the real ones (a tree forking from one without)")
	drop := fl.Int("drop-records", 0, "leave the last N records out of the tree (a smaller, older tree)")
	corruptTile := fl.Bool("corrupt-tile", false, "flip the first byte of every tile served")
	supported := fl.Int("supported-status", 200, "status of /sumdb/NAME/supported")
	fl.Parse(args)
	if *dir == "" || *name == "" || *seed == "" {
		log.Fatal("serve: --dir, --name and --seed are required")
	}

	db := buildDatabase(*dir, *name, *seed, *signSeed, *order, *prepend, *drop, wrongH1)
	for _, pair := range lookupAnswers {
		v, w, ok := strings.Cut(pair, "=")
		id, found := findRecord(db.records, w)
		if !ok || !found {
			log.Fatalf("--lookup-answers %s: no record for %q", pair, w)
		}
		for key, i := range db.lookup {
			if db.records[i].is(v) {
				db.lookup[key] = id
			}
		}
	}
	for _, v := range noRecord {
		for key, i := range db.lookup {
			if db.records[i].is(v) {
				delete(db.lookup, key)
			}
		}
	}

	sumdbPrefix := "/sumdb/" + *name
	sumdbHandler := http.StripPrefix(sumdbPrefix, sumdb.NewServer(db))
	var logMu sync.Mutex
	var logOut *os.File
	if *logFile != "" {
		var err error
		logOut, err = os.OpenFile(*logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		check(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: 200}
		switch {
		case r.URL.Path == sumdbPrefix+"/supported":
			rec.WriteHeader(*supported)
		case strings.HasPrefix(r.URL.Path, sumdbPrefix+"/lookup/") && !known(db, strings.TrimPrefix(r.URL.Path, sumdbPrefix+"/lookup/")):
			// What sum.golang.org answers for a module version it has no record of.
			http.Error(rec, "not found", http.StatusNotFound)
		case strings.HasPrefix(r.URL.Path, sumdbPrefix+"/"):
			rec.flip = *corruptTile && strings.HasPrefix(r.URL.Path, sumdbPrefix+"/tile/")
			sumdbHandler.ServeHTTP(rec, r)
		default:
			serveFile(rec, r, *dir)
		}
		if logOut != nil {
			logMu.Lock()
			fmt.Fprintf(logOut, "%s %s %d\n", r.Method, r.URL.Path, rec.status)
			logMu.Unlock()
		}
	})

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	fmt.Println(listener.Addr().(*net.TCPAddr).Port) // the port, alone, on the first line
	if *exitOnEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			os.Exit(0)
		}()
	}
	log.Fatal(http.Serve(listener, handler))
}

// buildDatabase makes one record per module zip under dir, in a fixed order, and signs the
// tree: tlog.StoredHashes per record, tlog.TreeHash, tlog.FormatTree, note.Sign, exactly as
// sumdb's TestServer does.
func buildDatabase(dir, name, seed, signSeed, order string, prepend, drop int, wrongH1 []string) *database {
	var real []record
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zip") || filepath.Base(filepath.Dir(p)) != "@v" {
			return err
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(filepath.Dir(p)))
		modPath, err := module.UnescapePath(filepath.ToSlash(rel))
		if err != nil {
			return nil // not a module directory: served as a file, no record
		}
		version, err := module.UnescapeVersion(strings.TrimSuffix(filepath.Base(p), ".zip"))
		if err != nil {
			return nil
		}
		zipHash, err := dirhash.HashZip(p, dirhash.Hash1)
		if err != nil {
			log.Printf("no record for %s: %v", p, err) // a hostile zip may not even open
			return nil
		}
		for _, v := range wrongH1 {
			if v == version || v == modPath+"@"+version {
				wrong := sha256.Sum256([]byte("not the zip of " + modPath + "@" + version))
				zipHash = "h1:" + base64.StdEncoding.EncodeToString(wrong[:])
			}
		}
		text := fmt.Sprintf("%s %s %s\n", modPath, version, zipHash)
		// The go.mod line hashes the .mod file as a one-file tree named "go.mod", as the go
		// command's checkGoMod does.
		if mod, err := os.ReadFile(strings.TrimSuffix(p, ".zip") + ".mod"); err == nil {
			modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(mod)), nil
			})
			check(err)
			text += fmt.Sprintf("%s %s/go.mod %s\n", modPath, version, modHash)
		}
		real = append(real, record{modPath, version, []byte(text)})
		return nil
	})
	check(err)
	sort.Slice(real, func(i, j int) bool {
		return real[i].path+"@"+real[i].version < real[j].path+"@"+real[j].version
	})
	if order != "" {
		var ordered []record
		for _, key := range strings.Split(order, ",") {
			if i, ok := findRecord(real, key); ok {
				ordered = append(ordered, real[i])
				real = append(real[:i], real[i+1:]...)
			} else {
				log.Fatalf("--order: no record for %q", key)
			}
		}
		real = append(ordered, real...)
	}
	var records []record
	for i := 0; i < prepend; i++ {
		p, v := fmt.Sprintf("example.com/prepended%d", i), "v1.0.0"
		h := sha256.Sum256([]byte(p))
		records = append(records, record{p, v, []byte(fmt.Sprintf("%s %s h1:%s\n%s %s/go.mod h1:%s\n",
			p, v, base64.StdEncoding.EncodeToString(h[:]), p, v, base64.StdEncoding.EncodeToString(h[:])))})
	}
	records = append(records, real...)
	if drop > len(records) {
		drop = len(records)
	}
	records = records[:len(records)-drop]

	db := &database{records: records, lookup: map[string]int64{}}
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		var list []tlog.Hash
		for _, i := range indexes {
			list = append(list, db.hashes[i])
		}
		return list, nil
	})
	for i, r := range records {
		hashes, err := tlog.StoredHashes(int64(i), r.text, reader)
		check(err)
		db.hashes = append(db.hashes, hashes...)
		db.lookup[module.Version{Path: r.path, Version: r.version}.String()] = int64(i)
	}
	treeHash, err := tlog.TreeHash(int64(len(records)), reader)
	check(err)
	if signSeed == "" {
		signSeed = seed
	}
	skey, _ := keyPair(name, signSeed)
	signer, err := note.NewSigner(skey)
	check(err)
	db.signed, err = note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: int64(len(records)), Hash: treeHash}))}, signer)
	check(err)
	return db
}

func findRecord(records []record, key string) (int64, bool) {
	for i, r := range records {
		if r.is(key) {
			return int64(i), true
		}
	}
	return 0, false
}

// known reports whether an escaped "path@version" from a lookup URL has a record; a
// malformed one counts as known so that sumdb.Server answers it (400) itself.
func known(db *database, escaped string) bool {
	escPath, escVers, ok := strings.Cut(escaped, "@")
	p, err1 := module.UnescapePath(escPath)
	v, err2 := module.UnescapeVersion(escVers)
	if !ok || err1 != nil || err2 != nil {
		return true
	}
	_, found := db.lookup[module.Version{Path: p, Version: v}.String()]
	return found
}

// serveFile answers GET/HEAD for a regular file under dir (Range supported), 404 otherwise:
// never 410, never a directory listing.
func serveFile(w http.ResponseWriter, r *http.Request, dir string) {
	clean := path.Clean("/" + r.URL.Path)
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(clean)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(clean, ".info") {
		w.Header().Set("Content-Type", "application/json")
	} else if strings.HasSuffix(clean, ".zip") {
		w.Header().Set("Content-Type", "application/zip")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	}
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// statusWriter records the status for the log and, with flip set, corrupts the first body
// byte (--corrupt-tile).
type statusWriter struct {
	http.ResponseWriter
	status  int
	flip    bool
	written bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.flip && !s.written && len(b) > 0 && s.status == 200 {
		b = append([]byte{b[0] ^ 0xff}, b[1:]...)
	}
	s.written = s.written || len(b) > 0
	return s.ResponseWriter.Write(b)
}

// ---- helpers ----

func writeAtomically(name string, data []byte) {
	tmp := fmt.Sprintf("%s.tmp%d", name, os.Getpid())
	check(os.WriteFile(tmp, data, 0o666))
	check(os.Rename(tmp, name))
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
