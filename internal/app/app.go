// Package app wires Cairn together: configuration, the data folder, the
// store, the keyring, the issuing service, the verifier and the HTTP server.
// It is the only package that knows them all; cmd/cairn calls New and Run,
// and end-to-end tests boot the same App on 127.0.0.1:0 with a temporary
// data folder.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/admin"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/logserver"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/ob3api"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/team"
	"github.com/cairn-badges/cairn/throttle"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/wallet/webui"
	"github.com/cairn-badges/cairn/web"
	"github.com/cairn-badges/cairn/webhooks"
)

// Config is read once, from CAIRN_* variables and flags.
type Config struct {
	Addr    string // listen address, e.g. 127.0.0.1:8080 (CAIRN_ADDR)
	BaseURL string // public base URL (CAIRN_BASE_URL); default http://Addr
	// PrivacyURL is the operator's privacy policy (CAIRN_PRIVACY_URL), an
	// absolute http(s) URL; "" serves the wallet's own page at /privacy.
	// The pages link to it and the OB 3.0 API's discovery names it.
	PrivacyURL  string
	DataDir     string // data folder (CAIRN_DATA); created on first run
	DatabaseURL string // CAIRN_DATABASE_URL (or _FILE); "" = SQLite in DataDir
	// MasterKeyFile holds the key that seals issuer keys (CAIRN_MASTER_KEY_FILE;
	// CAIRN_MASTER_KEY gives the key itself). Default DataDir/master.key.
	MasterKeyFile string
	Offline       bool // the verifier never uses the network (CAIRN_OFFLINE)
	Demo          bool // the first run also seeds sample achievements and awards (CAIRN_DEMO)
	// Witnesses cosign the transparency log's checkpoints (CAIRN_WITNESSES,
	// or CAIRN_WITNESSES_FILE): "name=URL=vkey" entries separated by commas
	// or newlines; see issuing.ParseWitnesses.
	Witnesses string
	// MetricsAddr, if set, serves /metrics on a listener of its own at this
	// address (CAIRN_METRICS_ADDR), e.g. 127.0.0.1:9090, and never on Addr.
	MetricsAddr string
	// MetricsToken, if set, serves /metrics on the public listener too, to
	// requests with "Authorization: Bearer MetricsToken"
	// (CAIRN_METRICS_TOKEN or CAIRN_METRICS_TOKEN_FILE). With neither
	// MetricsAddr nor MetricsToken, /metrics is not served.
	MetricsToken string
	// Pprof serves Go's profiles (net/http/pprof, /debug/pprof/) on the
	// metrics listener (CAIRN_PPROF; needs MetricsAddr): for measuring,
	// never on the public listener.
	Pprof bool
	// Verify bounds the public verifier (POST /verify, /api/v1/verify and
	// the VC-API's verify routes), which anyone may call.
	Verify VerifyLimits
	// PrerenderShare is the share of one core the credential page worker
	// may take rendering pages ahead of their views
	// (CAIRN_PRERENDER_SHARE; default 0.5, 1 for a whole core).
	PrerenderShare float64
	// PageMemory bounds the rendered credential pages held in memory, in
	// bytes (CAIRN_PAGE_MEMORY, bytes or with a KiB, MiB or GiB suffix;
	// default 256 MiB, about 40,000 pages, or a quarter of the Go heap's
	// soft limit if less): a first view of a page held there reads nothing
	// from the database.
	PageMemory int64
	// IssuingProc, set by `cairn serve` when GOMAXPROCS is not, gives the
	// Go runtime one more P than it started with while awards are being
	// issued in earnest (an award job, or 20 or more single awards a
	// second; see issuingProcs), and takes it back after.
	IssuingProc bool
	// SessionIdle ends a staff session unused for this long
	// (CAIRN_SESSION_IDLE, e.g. 30m; default 2h).
	SessionIdle time.Duration
	// SMTPURL turns mail to learners on (CAIRN_SMTP_URL or
	// CAIRN_SMTP_URL_FILE): smtp://user:password@host:587?tls=starttls,
	// smtps://…:465 or smtp://host:25?tls=none; see mail.ParseURL.
	// SMTPFrom is the sender (CAIRN_SMTP_FROM, or from= in the URL).
	SMTPURL, SMTPFrom string
	// WebhooksAllowPrivate lets webhook endpoints be on private, loopback
	// and link-local addresses, and plain http
	// (CAIRN_WEBHOOKS_ALLOW_PRIVATE): for receivers on the operator's own
	// network. Off, they are refused at registration and at each delivery.
	WebhooksAllowPrivate bool
	// SSOAllowPrivate lets organizations' OpenID providers be on private,
	// loopback and link-local addresses, and plain http
	// (CAIRN_SSO_ALLOW_PRIVATE): for a Keycloak on the operator's own
	// network. Off, they are refused when saved and at each connection.
	SSOAllowPrivate bool
	// LTIAllowPrivate lets registered learning platforms (LTI 1.3) be on
	// private and loopback addresses, and plain http
	// (CAIRN_LTI_ALLOW_PRIVATE): for an LMS on the operator's own network.
	LTIAllowPrivate bool
	// LTIPollEvery is how often each connected LMS course's gradebook is
	// read (CAIRN_LTI_POLL, default 5m).
	LTIPollEvery time.Duration
	// Jobs bound award jobs (bulk awards from CSV or XLSX files).
	Jobs JobLimits

	errs []error // variables that did not parse; New reports the first
}

// VerifyLimits bound the public verifier (see package throttle). Zero
// fields take throttle's defaults.
type VerifyLimits struct {
	// Concurrency: verifications at once (CAIRN_VERIFY_CONCURRENCY;
	// default four per CPU); Queue: how many more wait, at most
	// 250 ms (CAIRN_VERIFY_QUEUE; default twice Concurrency). Past them,
	// 503 with Retry-After.
	Concurrency, Queue int
	// Timeout is the processing time one verification may use, not
	// counting the time it waits on the network (CAIRN_VERIFY_TIMEOUT,
	// a Go duration; default 1s). Past it the report is indeterminate.
	Timeout time.Duration
	// Rate and Burst limit each client address: requests per second,
	// sustained and at once (CAIRN_VERIFY_RATE, default 5, negative for
	// no limit; CAIRN_VERIFY_BURST, default 30). Past them, 429.
	Rate  float64
	Burst int
	// CPUShare is the share of the processors that public verification
	// may use, all clients together (CAIRN_VERIFY_CPU_SHARE; default 0.1,
	// negative for no limit): past it, 503 with Retry-After, so that pages
	// and issuing keep the rest whatever is submitted.
	CPUShare float64
	// ClientIPHeader names the header in which a reverse proxy in front
	// of Cairn gives the client's address (CAIRN_CLIENT_IP_HEADER, e.g.
	// X-Forwarded-For or X-Real-IP); empty: the connection's address.
	ClientIPHeader string
}

// JobLimits bound award jobs. Zero fields take package jobs' defaults.
type JobLimits struct {
	// MaxUploadBytes is the largest file accepted (CAIRN_JOB_MAX_UPLOAD,
	// bytes, or with a KiB, MiB or GiB suffix; default 1 GiB). Past it, 413.
	MaxUploadBytes int64
	// MaxXLSXBytes is the largest XLSX file accepted
	// (CAIRN_JOB_MAX_XLSX, as CAIRN_JOB_MAX_UPLOAD; default 64 MiB): a
	// workbook is held in memory while it is read, a CSV file is not.
	// Past it, 400 asking for CSV.
	MaxXLSXBytes int64
	// MaxRows is the most data rows in one file (CAIRN_JOB_MAX_ROWS;
	// default 2,000,000).
	MaxRows int
	// Workers is how many batches this process issues at once
	// (CAIRN_JOB_WORKERS; default 2), BatchSize how many rows each
	// (CAIRN_JOB_BATCH; default 256).
	Workers, BatchSize int
	// Lease is how long a process holds the rows it claimed before
	// another replica may take them (CAIRN_JOB_LEASE, a Go duration;
	// default 1m).
	Lease time.Duration
}

// defaultPageMemory is the most Config.PageMemory is by default.
const defaultPageMemory = 256 << 20

// pageMemory is the memory for rendered pages: set, or by default
// defaultPageMemory, and at most a quarter of the Go heap's soft limit
// (cairn serve sets it to a quarter of the machine's or the container's
// memory): on a small machine, pages held must not drive the collector.
func pageMemory(set int64) int64 {
	if set > 0 {
		return set
	}
	return min(defaultPageMemory, debug.SetMemoryLimit(-1)/4)
}

// ConfigFromEnv returns the configuration given by the environment, with
// defaults for what it does not set. A variable NAME_FILE names a file
// holding the value of NAME, for secrets.
func ConfigFromEnv() Config {
	c := Config{Addr: "127.0.0.1:8080", DataDir: "cairn-data"}
	set := func(dst *string, name string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	set(&c.Addr, "CAIRN_ADDR")
	set(&c.DataDir, "CAIRN_DATA")
	set(&c.BaseURL, "CAIRN_BASE_URL")
	set(&c.PrivacyURL, "CAIRN_PRIVACY_URL")
	set(&c.DatabaseURL, "CAIRN_DATABASE_URL")
	set(&c.MasterKeyFile, "CAIRN_MASTER_KEY_FILE")
	set(&c.Witnesses, "CAIRN_WITNESSES")
	set(&c.MetricsAddr, "CAIRN_METRICS_ADDR")
	set(&c.MetricsToken, "CAIRN_METRICS_TOKEN")
	c.Offline = truthy(env("CAIRN_OFFLINE"))
	c.Demo = truthy(env("CAIRN_DEMO"))
	c.Pprof = truthy(env("CAIRN_PPROF"))
	c.WebhooksAllowPrivate = truthy(env("CAIRN_WEBHOOKS_ALLOW_PRIVATE"))
	c.SSOAllowPrivate = truthy(env("CAIRN_SSO_ALLOW_PRIVATE"))
	c.LTIAllowPrivate = truthy(env("CAIRN_LTI_ALLOW_PRIVATE"))
	c.parse("CAIRN_LTI_POLL", func(v string) (err error) { c.LTIPollEvery, err = time.ParseDuration(v); return })
	c.parse("CAIRN_VERIFY_CONCURRENCY", func(v string) (err error) { c.Verify.Concurrency, err = strconv.Atoi(v); return })
	c.parse("CAIRN_VERIFY_QUEUE", func(v string) (err error) { c.Verify.Queue, err = strconv.Atoi(v); return })
	c.parse("CAIRN_VERIFY_TIMEOUT", func(v string) (err error) { c.Verify.Timeout, err = time.ParseDuration(v); return })
	c.parse("CAIRN_VERIFY_RATE", func(v string) (err error) { c.Verify.Rate, err = strconv.ParseFloat(v, 64); return })
	c.parse("CAIRN_VERIFY_BURST", func(v string) (err error) { c.Verify.Burst, err = strconv.Atoi(v); return })
	c.parse("CAIRN_VERIFY_CPU_SHARE", func(v string) (err error) { c.Verify.CPUShare, err = strconv.ParseFloat(v, 64); return })
	set(&c.Verify.ClientIPHeader, "CAIRN_CLIENT_IP_HEADER")
	set(&c.SMTPURL, "CAIRN_SMTP_URL")
	set(&c.SMTPFrom, "CAIRN_SMTP_FROM")
	c.parse("CAIRN_JOB_MAX_UPLOAD", func(v string) (err error) { c.Jobs.MaxUploadBytes, err = parseBytes(v); return })
	c.parse("CAIRN_JOB_MAX_XLSX", func(v string) (err error) { c.Jobs.MaxXLSXBytes, err = parseBytes(v); return })
	c.parse("CAIRN_JOB_MAX_ROWS", func(v string) (err error) { c.Jobs.MaxRows, err = strconv.Atoi(v); return })
	c.parse("CAIRN_JOB_WORKERS", func(v string) (err error) { c.Jobs.Workers, err = strconv.Atoi(v); return })
	c.parse("CAIRN_JOB_BATCH", func(v string) (err error) { c.Jobs.BatchSize, err = strconv.Atoi(v); return })
	c.parse("CAIRN_JOB_LEASE", func(v string) (err error) { c.Jobs.Lease, err = time.ParseDuration(v); return })
	c.parse("CAIRN_SESSION_IDLE", func(v string) (err error) { c.SessionIdle, err = time.ParseDuration(v); return })
	c.parse("CAIRN_PAGE_MEMORY", func(v string) (err error) { c.PageMemory, err = parseBytes(v); return })
	c.parse("CAIRN_PRERENDER_SHARE", func(v string) (err error) {
		if c.PrerenderShare, err = strconv.ParseFloat(v, 64); err == nil && (c.PrerenderShare <= 0 || c.PrerenderShare > 1) {
			err = fmt.Errorf("x: %w", errors.New("want a number above 0, at most 1"))
		}
		return
	})
	return c
}

// parse sets a field from the variable name, when it is set, and records
// an error naming the variable when it does not parse.
func (c *Config) parse(name string, set func(string) error) {
	v := env(name)
	if v == "" {
		return
	}
	if err := set(v); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: %q is not valid: %w", name, v, errors.Unwrap(err)))
	}
}

// parseBytes reads a size: a number of bytes, or one with a KiB, MiB or
// GiB suffix.
func parseBytes(v string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			v, mult = strings.TrimSpace(n), m
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err == nil && n <= 0 {
		err = fmt.Errorf("x: %w", errors.New("want a positive size"))
	}
	return n * mult, err
}

func env(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if f := os.Getenv(name + "_FILE"); f != "" && name != "CAIRN_MASTER_KEY" {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return ""
}

func truthy(s string) bool {
	return s == "1" || strings.EqualFold(s, "true") || strings.EqualFold(s, "yes")
}

// App is a running Cairn instance.
type App struct {
	cfg      Config
	log      *slog.Logger
	listener net.Listener
	server   *http.Server
	// metricsListener and metricsServer serve /metrics when
	// Config.MetricsAddr is set.
	metricsListener net.Listener
	metricsServer   *http.Server
	db              *store.DB
	svc             *issuing.Service
	jobs            *jobs.Service
	tlog            *issuing.TransparencyLog
	pathways        *issuing.Pathways
	public          *web.Public
	// outbox carries the effects of changes outside the database (mail,
	// webhooks …); effects lists what award changes cause (see
	// registerEffect).
	outbox  *outbox.Worker
	effects []outbox.Effect
	// mail sends learners their awards and reminders (off without
	// Config.SMTPURL).
	mail *mail.Mailer
	// webhooks delivers events to the organizations' endpoints.
	webhooks *webhooks.Service
	sso      *sso.Service
	lti      *ltitool.Service
	// wallet keeps learners' accounts and the awards they claim.
	wallet *wallet.Service
	team   *team.Service
	// portfolio publishes learners' portfolios and exports their wallets.
	portfolio *wallet.Portfolio
	// keyring seals private keys (issuers', learners', the log's).
	keyring *keyring.Keyring
	// imports imports credentials into wallets and re-verifies them.
	imports *wallet.Importer
	ob3     *oauth.Service // the OB 3.0 API's authorization server; set by handler
	review  *review.Service

	// FirstRun is set when New bootstrapped an empty database; it holds
	// what the newcomer needs to start.
	FirstRun *FirstRun
	// Demo is the badge shown on the home page.
	Demo *web.Demo

	unlock func() // releases the data folder's lock

	stopBackground context.CancelFunc
	backgroundDone chan struct{}
}

// New opens the store (migrating it), bootstraps an empty one, and listens
// on cfg.Addr. Run serves.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if u, err := url.Parse(cfg.PrivacyURL); cfg.PrivacyURL != "" && (err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
		return nil, fmt.Errorf("privacy policy (CAIRN_PRIVACY_URL, --privacy-url): %q is not an absolute http or https URL", cfg.PrivacyURL)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	a := &App{cfg: cfg, log: log}
	// A shared lock: cairn restore refuses to replace a database in use.
	unlock, err := LockDataDir(cfg.DataDir, false)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	a.unlock = unlock
	kr, err := newKeyring(cfg)
	if err != nil {
		unlock()
		return nil, err
	}
	a.keyring = kr
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = filepath.Join(cfg.DataDir, "cairn.db")
	}
	if a.db, err = store.Open(ctx, dbURL); err != nil {
		unlock()
		return nil, fmt.Errorf("database: %w", err)
	}
	if _, err := a.db.Migrate(ctx); err != nil {
		a.db.Close()
		unlock()
		return nil, fmt.Errorf("database migration: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.db.Close()
		unlock()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	a.listener = ln
	if a.cfg.BaseURL == "" {
		a.cfg.BaseURL = "http://" + ln.Addr().String()
	}
	a.cfg.BaseURL = strings.TrimRight(a.cfg.BaseURL, "/")
	if a.svc, err = issuing.New(a.db, kr, issuing.Options{BaseURL: a.cfg.BaseURL, Log: log}); err != nil {
		a.closeEarly()
		return nil, err
	}
	// Every award change writes its transparency log event in its own
	// transaction; the log worker (background) appends them.
	a.db.AwardEvent = a.svc.AwardEvent
	a.db.EndorsementEvent = a.svc.EndorsementEvent
	// Their other effects are outbox messages written in the same
	// transaction; the outbox worker (background) carries them out.
	a.outbox = outbox.NewWorker(a.db, "cairn-"+uuid.NewString(), log)
	a.db.OutboxWake = a.outbox.Wake
	a.mail = &mail.Mailer{Store: a.db, BaseURL: a.cfg.BaseURL, Log: log}
	if cfg.SMTPURL != "" || cfg.SMTPFrom != "" {
		if cfg.SMTPURL == "" {
			a.closeEarly()
			return nil, fmt.Errorf("CAIRN_SMTP_FROM is set but CAIRN_SMTP_URL is not")
		}
		if a.mail.Config, err = mail.ParseURL(cfg.SMTPURL, cfg.SMTPFrom); err != nil {
			a.closeEarly()
			return nil, fmt.Errorf("CAIRN_SMTP_URL: %w", err)
		}
		a.registerEffect(a.mail.Consumer(), outbox.Effect{Award: a.mail.AwardMessages})
		log.Info("mail to learners is on", "smtp", a.mail.Config.String())
	}
	a.team = team.New(a.db, a.cfg.BaseURL, team.Options{Mail: a.mail.Config, Log: log})
	if a.mail.Config != nil {
		a.registerEffect(a.team.Consumer(), outbox.Effect{})
	}
	a.wallet = wallet.New(a.db, a.cfg.BaseURL, wallet.Options{Mail: a.mail.Config, Log: log})
	a.review = review.New(a.db, a.svc, review.Options{Log: log, Mail: a.mail.Config})
	if a.mail.Config != nil {
		a.registerEffect(a.review.Consumer(), outbox.Effect{})
	}
	if a.mail.Config != nil {
		a.registerEffect(a.wallet.Consumer(), outbox.Effect{})
	} else {
		log.Warn("mail is off (CAIRN_SMTP_URL is not set): learners' email verification links are written to this log instead of mailed")
	}
	a.webhooks = webhooks.New(a.db, kr, webhooks.Options{AllowPrivate: cfg.WebhooksAllowPrivate,
		CredentialURL: a.svc.CredentialURL, ChangeType: a.svc.ChangeType, Log: log})
	if err := a.webhooks.Refresh(ctx); err != nil {
		// Until it loads, every organization's award changes give events,
		// which the fan-out drops for those without endpoints.
		log.Warn("webhooks: loading the organizations with endpoints", "err", err)
	}
	a.registerEffect(a.webhooks.EventConsumer(), outbox.Effect{Award: a.webhooks.AwardMessages})
	a.sso = sso.New(a.db, kr, sso.Options{BaseURL: a.cfg.BaseURL, AllowPrivate: cfg.SSOAllowPrivate,
		HashPassword: auth.HashPassword, Log: log})
	a.registerEffect(a.webhooks.DeliveryConsumer(), outbox.Effect{})
	a.lti = ltitool.New(a.db, kr, a.svc, ltitool.Options{BaseURL: a.cfg.BaseURL, AllowPrivate: cfg.LTIAllowPrivate,
		PollEvery: cfg.LTIPollEvery, Log: log})
	// An award job that ends tells the organization's endpoints (job.done),
	// in the transaction that ends it.
	a.db.JobEnded = func(_ context.Context, j *cairn.AwardJob) ([]outbox.Message, error) {
		m, err := webhooks.JobDoneMessage(j.OrgID, j.ID, jobSummary{State: string(j.State),
			Total: j.Total, Issued: j.Issued, Failed: j.Failed, Skipped: j.Skipped})
		if err != nil {
			return nil, err
		}
		return []outbox.Message{m}, nil
	}
	// Pathways: every award change of an achievement a pathway involves
	// re-evaluates the learner's pathways (outbox kind pathway.evaluate).
	a.pathways = issuing.NewPathways(a.svc, a.db)
	// A batch of new awards stored together (a bulk job's) gives one
	// message (pathway.evaluate-batch) in place of one per award.
	for i, c := range a.pathways.Consumers() {
		if i == 0 {
			a.registerEffect(c, outbox.Effect{Award: a.pathways.AwardMessages, Batch: a.pathways.AwardBatchMessages})
		} else {
			a.registerEffect(c, outbox.Effect{})
		}
	}
	witnesses, err := issuing.ParseWitnesses(cfg.Witnesses)
	if err != nil {
		a.closeEarly()
		return nil, fmt.Errorf("CAIRN_WITNESSES: %w", err)
	}
	if a.tlog, err = a.svc.OpenLog(ctx, a.db.LogStorage(), issuing.LogOptions{Witnesses: witnesses}); err != nil {
		a.closeEarly()
		return nil, fmt.Errorf("transparency log: %w", err)
	}
	a.jobs = jobs.New(a.db, a.svc, jobs.Options{MaxUploadBytes: cfg.Jobs.MaxUploadBytes, MaxXLSXBytes: cfg.Jobs.MaxXLSXBytes, MaxRows: cfg.Jobs.MaxRows,
		Workers: cfg.Jobs.Workers, BatchSize: cfg.Jobs.BatchSize, Lease: cfg.Jobs.Lease, TempDir: cfg.DataDir, Log: log})
	if a.FirstRun, err = a.bootstrap(ctx); err != nil {
		a.closeEarly()
		return nil, fmt.Errorf("first run: %w", err)
	}
	if a.Demo, err = a.demoBadge(ctx); err != nil {
		a.closeEarly()
		return nil, err
	}
	var each []outbox.AwardMessagesFunc
	for _, e := range a.effects {
		each = append(each, e.Award)
	}
	a.db.AwardMessages = outbox.Combine(each...)
	a.db.AwardBatchMessages = outbox.CombineBatch(a.effects...)
	handler, metrics := a.handler()
	a.server = newServer(handler)
	if cfg.MetricsAddr != "" {
		if a.metricsListener, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			a.closeEarly()
			return nil, fmt.Errorf("listen on %s (CAIRN_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		if cfg.Pprof {
			mux.HandleFunc("GET /debug/pprof/", pprof.Index)
			mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		}
		a.metricsServer = newServer(mux)
	}
	return a, nil
}

// registerEffect adds a consumer of outbox messages and, when e has
// functions, the messages that award changes give it. Call it in New
// before the handler is built.
func (a *App) registerEffect(c outbox.Consumer, e outbox.Effect) {
	a.outbox.Register(c)
	if e.Award != nil || e.Batch != nil {
		a.effects = append(a.effects, e)
	}
}

// jobSummary is the summary of a job.done webhook event: the job's final
// state and counts, as GET /api/v1/award-jobs/{id} gives them.
type jobSummary struct {
	State   string `json:"state"`
	Total   int    `json:"total"`
	Issued  int    `json:"issued"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
}

// outboxRetention is how long ended outbox messages stay, for listings
// (webhook deliveries, mail sent), before they are pruned.
const outboxRetention = 30 * 24 * time.Hour

func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

func (a *App) closeEarly() {
	a.listener.Close()
	a.db.Close()
	a.unlock()
}

// verifier returns the verifier the server uses: it answers the server's
// own DID documents, status lists and transparency log from the store,
// and fetches the rest over HTTPS unless the server is offline. It trusts
// its own log key.
func (a *App) verifier() *verify.Verifier {
	v := verify.New(a.tlog.Fetcher(a.svc.Fetcher(a.netFetcher())))
	v.LogKeys = []note.Verifier{a.tlog.Verifier()}
	return v
}

// netFetcher reaches other servers: over HTTPS, or nowhere when offline.
func (a *App) netFetcher() fetch.Fetcher {
	if a.cfg.Offline {
		return fetch.Offline
	}
	// Anyone can submit a credential to the verifier, and it names the URLs
	// to fetch: never let it reach this server's own network. Waiting on
	// another server is not processing time: the verifier's time budget
	// pauses meanwhile (the fetch has its own timeout).
	h := &fetch.HTTP{PublicOnly: true}
	return fetch.Func(func(ctx context.Context, url string) ([]byte, error) {
		defer throttle.Pause(ctx)()
		return h.Fetch(ctx, url)
	})
}

// importFetcher fetches what a learner's import names (a credential, its
// page, an OB 2.0 assertion and its badge, a badge image): with the
// verifier's network rules (public addresses only, a timeout), a baked
// image's size cap, and the verifier's budget paused while it waits.
func (a *App) importFetcher() fetch.Fetcher {
	if a.cfg.Offline {
		return fetch.Offline
	}
	h := &fetch.HTTP{PublicOnly: true, MaxBytes: verify.MaxInputBytes}
	return fetch.Func(func(ctx context.Context, url string) ([]byte, error) {
		defer throttle.Pause(ctx)()
		return h.Fetch(ctx, url)
	})
}

// verifyLimiter bounds the public verifier, with the HTML answer for the
// web form and problem documents for the APIs.
func (a *App) verifyLimiter() *throttle.Limiter {
	v := a.cfg.Verify
	opts := throttle.Options{
		Concurrency: v.Concurrency, Queue: v.Queue, Budget: v.Timeout, Rate: v.Rate, Burst: v.Burst, CPUShare: v.CPUShare,
		MaxBody: verify.MaxInputBytes + 64<<10, // a multipart form's envelope around the largest input
		Reject: func(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration, detail string) {
			if r.URL.Path != "/verify" && !isReverify(r) && !strings.HasPrefix(r.URL.Path, "/wallet/") {
				throttle.WriteProblem(w, r, status, retryAfter, detail)
				return
			}
			throttle.SetRetryAfter(w, retryAfter)
			web.WriteBusy(w, r, status, retryAfter)
		},
	}
	if v.ClientIPHeader != "" {
		opts.ClientIP = throttle.HeaderClientIP(v.ClientIPHeader)
	}
	return throttle.New(opts)
}

// publicVerifyRoutes are the routes that verify what anyone submits: they
// share one throttle.Limiter. All are POST routes, by path.
var publicVerifyRoutes = map[string]bool{
	"/verify":                      true,
	"/api/v1/verify":               true,
	"/vc-api/credentials/verify":   true,
	"/vc-api/presentations/verify": true,
}

// isPublicVerify reports whether r is a request to one of the
// publicVerifyRoutes.
func isPublicVerify(r *http.Request) bool {
	return r.Method == http.MethodPost && publicVerifyRoutes[r.URL.Path]
}

// isWalletVerify reports whether r imports a credential into a wallet or
// verifies an imported one again (API or wallet pages): the server's
// verifier runs on what a learner submits, so these share the public
// verifier's limiter (concurrency, CPU share, time budget).
func isWalletVerify(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	switch p := r.URL.Path; {
	case p == "/api/v1/learner/credentials", p == "/wallet/import":
		return true
	case strings.HasPrefix(p, "/api/v1/learner/credentials/"), strings.HasPrefix(p, "/wallet/credentials/"):
		return strings.HasSuffix(p, "/verify")
	}
	return false
}

// isReverify reports whether r is a credential page's "Check again"
// (POST /credentials/{id}/verify), which verifies on the spot and so goes
// through the public verifier's limiter.
func isReverify(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/credentials/")
	if !ok {
		return false
	}
	id, ok = strings.CutSuffix(id, "/verify")
	return ok && id != "" && !strings.Contains(id, "/")
}

// handler returns the public handler and the metrics handler (which the
// public one serves only with Config.MetricsToken).
func (a *App) handler() (http.Handler, http.Handler) {
	mux := http.NewServeMux()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cairn_http_request_duration_seconds", Help: "HTTP requests by route and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	reg.MustRegister(requests)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if a.cfg.MetricsToken != "" {
		mux.Handle("GET /metrics", bearerOnly(a.cfg.MetricsToken, metrics))
	}

	v := a.verifier()
	a.imports = wallet.NewImporter(a.db, v, wallet.ImportOptions{Fetcher: a.importFetcher(), Log: a.log})
	(&web.Handler{Verifier: v, Demo: a.Demo, Log: a.log}).Register(mux)
	a.public = web.NewPublic(a.svc, web.PublicOptions{Verifier: v, Log: a.log, WorkerShare: a.cfg.PrerenderShare, PageMemory: pageMemory(a.cfg.PageMemory),
		Busy: a.issuing, CLR: a.pathways})
	a.portfolio = a.newPortfolio(v)
	(&api.Server{Service: a.svc, Store: a.db, Verifier: v, Log: a.log, WaitIncluded: a.tlog.WaitIncluded, Mail: a.mail, Webhooks: a.webhooks, Pathways: a.pathways, Jobs: a.jobs, Wallet: a.wallet, Portfolio: a.portfolio, Team: a.team, Imports: a.imports, SSO: a.sso, Review: a.review, LTI: a.lti}).Register(mux)
	a.public.Register(mux)
	(&ltitool.Handler{Tool: a.lti, Dir: a.db, CredentialURL: a.svc.CredentialURL, ConsoleURL: strings.TrimRight(a.cfg.BaseURL, "/") + "/admin/rules", Log: a.log}).Register(mux)
	// The award mail attaches the credential baked into its badge, as the
	// credential page's .png serves it; the claim link it holds opens the
	// wallet's claim page (/claim/{token}), which also offers the
	// credential page.
	a.mail.Badge = a.public.BakedPNG
	// The OB 3.0 API host (package ob3api): other platforms register,
	// ask the learner on the wallet's consent page, and read with the
	// learner's token.
	a.ob3 = oauth.New(a.db, a.cfg.BaseURL, oauth.Options{Log: a.log})
	ob3 := a.ob3
	base := strings.TrimRight(a.cfg.BaseURL, "/")
	privacy := a.cfg.PrivacyURL
	if privacy == "" {
		privacy = base + webui.PrivacyPath
	}
	(&ob3api.Handler{OAuth: ob3, Store: a.db, Imports: a.imports, BaseURL: base, AuthorizeURL: base + webui.AuthorizePath,
		PrivacyPolicyURL: privacy, ImageURL: base + webui.LogoPath, Log: a.log}).Register(mux)
	webui.New(a.wallet, a.log).WithPrivacyPolicy(a.cfg.PrivacyURL).WithPortfolio(a.portfolio).WithImports(a.imports).WithReview(a.review).WithOAuth(ob3).Register(mux)
	// Page pre-rendering follows the outbox: once the log has an award
	// change (and the checkpoint that proves it), the page worker renders
	// the award's page with it.
	a.tlog.OnAppend(func(_ context.Context, credentialIDs []string) { a.public.PrecomputeCredentials(credentialIDs...) })
	admin.New(a.svc, admin.Options{Log: a.log, Mail: a.mail, Webhooks: a.webhooks, Pathways: a.pathways, Jobs: a.jobs,
		Team: a.team, IdleTimeout: a.cfg.SessionIdle, SSO: a.sso, Review: a.review, LTI: a.lti}).Register(mux)
	(&logserver.Handler{Log: a.tlog, CredentialURL: a.svc.CredentialURL, Logger: a.log}).Register(mux)

	lim := a.verifyLimiter()
	stat := func(name, help string, f func(throttle.Stats) int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(f(lim.Stats())) }))
	}
	stat("cairn_verify_rejected_rate_total", "Public verifications refused for their client's rate (429).", func(s throttle.Stats) int64 { return s.RejectedRate })
	stat("cairn_verify_rejected_busy_total", "Public verifications refused because every place and the queue were taken (503).", func(s throttle.Stats) int64 { return s.RejectedBusy })
	stat("cairn_verify_budget_expired_total", "Public verifications that used up their processing time.", func(s throttle.Stats) int64 { return s.BudgetExpired })
	stats := func(name, help string, f func(web.PageStats) int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(f(a.public.PageStats())) }))
	}
	stats("cairn_pages_prerendered_total", "Credential pages the page worker rendered ahead of their views.", func(s web.PageStats) int64 { return s.Rendered })
	stats("cairn_pages_dropped_total", "Credential pages not queued for the page worker because its queue was full.", func(s web.PageStats) int64 { return s.Dropped })
	gauge := func(name, help string, f func(web.PageStats) int64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(f(a.public.PageStats())) }))
	}
	gauge("cairn_pages_queued", "Credential pages waiting for the page worker.", func(s web.PageStats) int64 { return int64(s.Queued) })
	gauge("cairn_pages_held", "Rendered credential pages held in memory.", func(s web.PageStats) int64 { return int64(s.Held) })
	gauge("cairn_pages_held_bytes", "Size of the credential pages held in memory, as CAIRN_PAGE_MEMORY bounds it.", func(s web.PageStats) int64 { return s.HeldSize })
	limited := lim.Wrap(mux)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPublicVerify(r) || isReverify(r) || isWalletVerify(r) {
			limited.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&unmatchedWriter{ResponseWriter: w, r: r, notFound: a.public.Unmatched}, r)
	})
	return securityHeaders(strings.HasPrefix(a.cfg.BaseURL, "https://"), instrument(mux, h, requests)), metrics
}

// instrument serves with next and records each request's duration by the
// route pattern of mux that matches it. The pattern is the one mux
// recorded on the request while serving it (Request.Pattern), looked up
// again only when a handler in between served a copy of the request; the
// histogram of each route and status class is looked up once.
func instrument(mux *http.ServeMux, next http.Handler, h *prometheus.HistogramVec) http.Handler {
	var observers sync.Map // routeClass → prometheus.Observer
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		next.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			_, pattern = mux.Handler(r)
		}
		if pattern == "" {
			pattern = "unmatched"
		}
		key := routeClass{pattern, sw.code / 100}
		o, ok := observers.Load(key)
		if !ok {
			o, _ = observers.LoadOrStore(key, h.WithLabelValues(pattern, strconv.Itoa(key.class)+"xx"))
		}
		o.(prometheus.Observer).Observe(time.Since(start).Seconds())
	})
}

// unmatchedWriter answers a request that no route matches (the mux's plain
// "404 page not found") with notFound instead (web.Public.Unmatched). A 404
// that a route writes itself (r.Pattern set) passes through.
type unmatchedWriter struct {
	http.ResponseWriter
	r        *http.Request
	notFound http.HandlerFunc
	replaced bool
}

func (w *unmatchedWriter) WriteHeader(code int) {
	if code == http.StatusNotFound && w.r.Pattern == "" && !w.replaced {
		w.replaced = true
		h := w.ResponseWriter.Header()
		h.Del("Content-Type")
		h.Del("X-Content-Type-Options")
		w.notFound(unframed{w.ResponseWriter}, w.r)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// unframed keeps an unmatched address's page out of frames, which the
// public pages' CSP would allow.
type unframed struct{ http.ResponseWriter }

func (u unframed) WriteHeader(code int) {
	h := u.Header()
	h["X-Frame-Options"] = hdrDeny
	if csp := h.Get("Content-Security-Policy"); csp != "" {
		h.Set("Content-Security-Policy", strings.ReplaceAll(csp, "frame-ancestors *", "frame-ancestors 'none'"))
	}
	u.ResponseWriter.WriteHeader(code)
}

func (w *unmatchedWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *unmatchedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routeClass is a route pattern and a status class (2 for 2xx).
type routeClass struct {
	pattern string
	class   int
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// MetricsAddr is the address of the metrics listener, or "" when
// Config.MetricsAddr is not set.
func (a *App) MetricsAddr() string {
	if a.metricsListener == nil {
		return ""
	}
	return a.metricsListener.Addr().String()
}

// BaseURL is the URL the instance is reachable at.
func (a *App) BaseURL() string { return a.cfg.BaseURL }

// Service is the issuing service, for tests and commands.
func (a *App) Service() *issuing.Service { return a.svc }

// Pathways is the pathway service, for tests and commands.
func (a *App) Pathways() *issuing.Pathways { return a.pathways }

// Outbox is the outbox worker, for tests.
func (a *App) Outbox() *outbox.Worker { return a.outbox }

// TransparencyLog is the instance's issuance log. Its WaitIncluded lets a
// caller wait for an award's entry under a signed checkpoint.
func (a *App) TransparencyLog() *issuing.TransparencyLog { return a.tlog }

// Run serves until ctx is done, then shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	bg, stop := context.WithCancel(context.Background())
	a.stopBackground, a.backgroundDone = stop, make(chan struct{})
	go a.background(bg)
	errc := make(chan error, 2)
	go func() { errc <- a.server.Serve(a.listener) }()
	if a.metricsServer != nil {
		go func() { errc <- a.metricsServer.Serve(a.metricsListener) }()
		a.log.Info("serving metrics", "addr", a.MetricsAddr())
	}
	a.log.Info("serving", "url", a.cfg.BaseURL, "data", a.cfg.DataDir)
	select {
	case err := <-errc:
		a.Close()
		return err
	case <-ctx.Done():
	}
	return a.Close()
}

// Close stops the server, waiting up to 10 seconds for requests in flight,
// stops background work and closes the store.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.server.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if a.metricsServer != nil {
		if merr := a.metricsServer.Shutdown(ctx); err == nil && !errors.Is(merr, http.ErrServerClosed) {
			err = merr
		}
		a.metricsListener.Close() // in case Run never served it
	}
	if a.stopBackground != nil {
		a.stopBackground()
		<-a.backgroundDone
		a.stopBackground = nil
	}
	if cerr := a.db.Close(); err == nil {
		err = cerr
	}
	if a.unlock != nil {
		a.unlock()
		a.unlock = nil
	}
	return err
}

// issuing reports whether this process issues awards in earnest: an award
// job's rows, or single awards at issuing.BusyRate or more.
func (a *App) issuing() bool { return a.jobs.Busy() || a.svc.Busy() }

// issuingProcs, when Config.IssuingProc is set, runs the Go runtime with
// one more P than it started with while this process issues awards in
// earnest, and with its own number otherwise. SQLite's pure-Go driver
// makes its system calls (pwrite, pread, fcntl) through the syscall
// package, and a goroutine in one keeps its P until the runtime takes it
// back: with one P per core, a core sat idle while awards waited to be
// signed (single awards from 8 clients, 2 cores: about 8 % more per
// second with the extra P). Reads make few system calls of that kind,
// and with more Ps than cores their slowest answers waited for the
// kernel to switch threads (p99 8 ms instead of 5 under 16 clients), so
// the P is there only while issuing.
func (a *App) issuingProcs(ctx context.Context) {
	if !a.cfg.IssuingProc {
		return
	}
	base := runtime.GOMAXPROCS(0)
	extra := false
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	defer func() {
		if extra {
			runtime.GOMAXPROCS(base)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		busy := a.issuing()
		switch {
		case busy && !extra:
			runtime.GOMAXPROCS(base + 1)
		case !busy && extra:
			runtime.GOMAXPROCS(base)
		}
		extra = busy
	}
}

// background runs the transparency log worker and the credential page
// worker, re-signs status lists whose bits changed (a state change
// re-signs at once; this catches what a crash or a conflict left behind),
// removes expired sessions and follows the issuers' verification epochs.
func (a *App) background(ctx context.Context) {
	defer close(a.backgroundDone)
	logDone, pagesDone, outboxDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	hooksDone, pathwaysDone, jobsDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { a.tlog.Run(ctx); close(logDone) }()
	go func() { a.public.Run(ctx); close(pagesDone) }()
	watchDone := make(chan struct{})
	go func() { a.db.Watch(ctx, a.log); close(watchDone) }()
	go func() { a.outbox.Run(ctx); close(outboxDone) }()
	go func() { a.webhooks.Run(ctx); close(hooksDone) }()
	go func() { a.pathways.Run(ctx); close(pathwaysDone) }()
	// On SQLite this process alone uses the database: leases a killed
	// process held end at once.
	go func() { a.jobs.Run(ctx, a.db.Dialect() == "sqlite"); close(jobsDone) }()
	importsDone, ltiDone := make(chan struct{}), make(chan struct{})
	go func() { a.imports.Run(ctx); close(importsDone) }()
	go func() { a.lti.Run(ctx); close(ltiDone) }()
	procsDone := make(chan struct{})
	go func() { a.issuingProcs(ctx); close(procsDone) }()
	defer func() {
		<-watchDone
		<-procsDone
		<-ltiDone
		<-logDone
		<-pagesDone
		<-outboxDone
		<-hooksDone
		<-pathwaysDone
		<-jobsDone
		<-importsDone
	}()
	lastPrune, lastRemind := time.Time{}, time.Time{}
	lastExpiry := time.Now().Add(-time.Hour)
	a.refreshEpochs(ctx)
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lists, err := a.db.StaleStatusLists(ctx, 50)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("stale status lists", "err", err)
		}
		for _, l := range lists {
			if _, _, err := a.svc.StatusListCredential(ctx, l.ID); err != nil && ctx.Err() == nil {
				a.log.Warn("re-signing status list", "list", l.ID, "err", err)
			}
		}
		if _, err := a.db.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("expired sessions", "err", err)
		}
		if _, err := a.db.DeleteExpiredLearnerSessions(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("expired learner sessions", "err", err)
		}
		if time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if _, err := a.db.PruneOutbox(ctx, lastPrune.Add(-outboxRetention)); err != nil && ctx.Err() == nil {
				a.log.Warn("pruning the outbox", "err", err)
			}
			if a.ob3 != nil {
				if _, err := a.ob3.Sweep(ctx); err != nil && ctx.Err() == nil {
					a.log.Warn("sweeping expired OB 3.0 API codes and tokens", "err", err)
				}
			}
		}
		if time.Since(lastRemind) > remindEvery {
			lastRemind = time.Now()
			if _, err := a.mail.Remind(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("mail reminders", "err", err)
			}
		}
		a.refreshEpochs(ctx)
		lastExpiry = a.expiryPass(ctx, lastExpiry)
	}
}

// expiryPass enqueues a pathway re-evaluation for each award, of an
// achievement a pathway involves, whose validUntil passed since the last
// pass (from an hour back on start), and returns the time it covered up
// to. Expiry is no award change in the store, so time makes these. The
// messages are keyed by award and validUntil: replicas doing the same pass
// enqueue each once.
func (a *App) expiryPass(ctx context.Context, since time.Time) time.Time {
	now := time.Now()
	after := ""
	for {
		exp, err := a.db.ExpiredInvolvedAwards(ctx, since, after, now, 500)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("pathway expiry pass", "err", err)
			}
			return since
		}
		var msgs []outbox.Message
		for _, e := range exp {
			msgs = append(msgs, issuing.EvaluateMessage(e.OrgID, e.Recipient, e.AchievementID,
				"expired:"+e.AwardID+":"+strconv.FormatInt(e.ValidUntil.UnixMicro(), 10)))
		}
		if err := a.db.Enqueue(ctx, msgs...); err != nil {
			a.log.Warn("pathway expiry pass", "err", err)
			return since
		}
		if len(exp) < 500 {
			return now
		}
		// The next page: many awards may share one validUntil (a bulk
		// issue), so page by (validUntil, id).
		since, after = exp[len(exp)-1].ValidUntil, exp[len(exp)-1].AwardID
	}
}

// remindEvery is how often the background looks for awards whose expiry
// reminder is due. Reminders are keyed per award, validUntil and day, so
// every replica may look: each is enqueued once.
const remindEvery = 10 * time.Minute

// refreshEpochs tells the credential pages when each issuer's status lists
// and keys last changed, so that pages checked before are checked again.
func (a *App) refreshEpochs(ctx context.Context) {
	epochs, err := a.db.VerificationEpochs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("verification epochs", "err", err)
		}
		return
	}
	a.public.SetEpochs(epochs)
}
