package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Config is the one typed configuration of the binary. It is filled in this
// order, each step overriding the one before: defaults, an optional YAML file
// (--config or DAIYUN_CONFIG), DAIYUN_* environment variables, flags.
type Config struct {
	// DataDir holds the embedded stores (catalog.db, warehouse.duckdb) and the
	// lock file of a running server.
	DataDir string `yaml:"data" env:"DAIYUN_DATA"`
	// CatalogURL selects PostgreSQL for the catalog (server mode).
	CatalogURL string `yaml:"catalog_url" env:"DAIYUN_CATALOG_URL"`
	// WarehouseURL selects PostgreSQL for the warehouse (server mode).
	WarehouseURL string `yaml:"warehouse_url" env:"DAIYUN_WAREHOUSE_URL"`
	// Addr is where `serve` listens.
	Addr string `yaml:"addr" env:"DAIYUN_ADDR"`
	// BaseURL is how users reach the server, for links in messages.
	BaseURL string `yaml:"base_url" env:"DAIYUN_BASE_URL"`
	// LogFormat is text or json; json is the default in server mode.
	LogFormat string `yaml:"log_format" env:"DAIYUN_LOG_FORMAT"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level" env:"DAIYUN_LOG_LEVEL"`
	// SecureCookies marks session cookies Secure (behind HTTPS).
	SecureCookies bool `yaml:"secure_cookies" env:"DAIYUN_SECURE_COOKIES"`
	// SecretKey (base64 of 32 bytes) seals connector credentials and alert
	// channel secrets in the catalog with AES-256-GCM; empty: the key file DATA/secret.key,
	// generated once (secretkey.go). Deliberately no flag: a key on the
	// command line shows in the process list.
	SecretKey string `yaml:"secret_key" env:"DAIYUN_SECRET_KEY"`
	// SecretKeyPrevious is the key being rotated away from: credentials
	// sealed with it are re-sealed under SecretKey at start-up.
	SecretKeyPrevious string `yaml:"secret_key_previous" env:"DAIYUN_SECRET_KEY_PREVIOUS"`
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{DataDir: "./data", Addr: "127.0.0.1:8080", LogLevel: "info"}
}

// ServerMode reports whether the stores are database servers.
func (c Config) ServerMode() bool { return c.CatalogURL != "" || c.WarehouseURL != "" }

// CatalogTarget is the catalog URL or the embedded SQLite file.
func (c Config) CatalogTarget() string {
	if c.CatalogURL != "" {
		return c.CatalogURL
	}
	return filepath.Join(c.DataDir, "catalog.db")
}

// WarehouseTarget is the warehouse URL or the embedded DuckDB file.
func (c Config) WarehouseTarget() string {
	if c.WarehouseURL != "" {
		return c.WarehouseURL
	}
	return filepath.Join(c.DataDir, "warehouse.duckdb")
}

// loadFile reads a YAML config file over c.
func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "config file %s: %v", path, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "config file %s: %v", path, err)
	}
	return nil
}

// loadEnv applies DAIYUN_* variables named in the struct's env tags.
func (c *Config) loadEnv(getenv func(string) string) error {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Tag.Get("env")
		val := getenv(name)
		if name == "" || val == "" {
			continue
		}
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Bool:
			switch strings.ToLower(val) {
			case "1", "true", "yes", "on":
				f.SetBool(true)
			case "0", "false", "no", "off":
				f.SetBool(false)
			default:
				return daiyun.Errorf(daiyun.EINVALID, "%s=%q is not true or false", name, val)
			}
		}
	}
	return nil
}

// Validate checks the configuration and names the first wrong setting.
func (c Config) Validate() error {
	if c.CatalogURL == "" || c.WarehouseURL == "" {
		if strings.TrimSpace(c.DataDir) == "" {
			return daiyun.Errorf(daiyun.EINVALID, "data directory (--data, DAIYUN_DATA) is empty")
		}
	}
	for _, u := range []struct{ name, val string }{{"catalog-url", c.CatalogURL}, {"warehouse-url", c.WarehouseURL}} {
		if u.val != "" && !strings.HasPrefix(u.val, "postgres://") && !strings.HasPrefix(u.val, "postgresql://") {
			return daiyun.Errorf(daiyun.EINVALID, "--%s %q is not a postgres:// URL", u.name, redactURL(u.val))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--addr %q is not HOST:PORT", c.Addr)
	}
	for _, k := range []struct{ name, val string }{{"secret_key (DAIYUN_SECRET_KEY)", c.SecretKey}, {"secret_key_previous (DAIYUN_SECRET_KEY_PREVIOUS)", c.SecretKeyPrevious}} {
		if k.val == "" {
			continue
		}
		if _, err := catalog.ParseSecretKey(k.val); err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "%s: %s", k.name, daiyun.ErrorMessage(err))
		}
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--log-format %q is not text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--log-level %q is not debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// bindFlags declares the global flags; they are applied over file and
// environment in resolve.
func (c *Config) bindFlags(fs *pflag.FlagSet, configPath *string) {
	fs.StringVar(configPath, "config", "", "YAML config file (also DAIYUN_CONFIG)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory of the embedded stores (DAIYUN_DATA)")
	fs.StringVar(&c.CatalogURL, "catalog-url", "", "PostgreSQL URL of the catalog; empty: SQLite in --data (DAIYUN_CATALOG_URL)")
	fs.StringVar(&c.WarehouseURL, "warehouse-url", "", "PostgreSQL URL of the warehouse; empty: DuckDB in --data (DAIYUN_WAREHOUSE_URL)")
	fs.StringVar(&c.LogFormat, "log-format", "", "log format: text or json (DAIYUN_LOG_FORMAT; default json in server mode)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (DAIYUN_LOG_LEVEL)")
}

// resolve builds the effective configuration: defaults < file < env < flags
// that were set on the command line.
func resolve(flags *pflag.FlagSet, fromFlags Config, configPath string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	if configPath == "" {
		configPath = getenv("DAIYUN_CONFIG")
	}
	if configPath != "" {
		if err := c.loadFile(configPath); err != nil {
			return c, err
		}
	}
	if err := c.loadEnv(getenv); err != nil {
		return c, err
	}
	set := map[string]func(){
		"data":          func() { c.DataDir = fromFlags.DataDir },
		"catalog-url":   func() { c.CatalogURL = fromFlags.CatalogURL },
		"warehouse-url": func() { c.WarehouseURL = fromFlags.WarehouseURL },
		"log-format":    func() { c.LogFormat = fromFlags.LogFormat },
		"log-level":     func() { c.LogLevel = fromFlags.LogLevel },
		"addr":          func() { c.Addr = fromFlags.Addr },
		"base-url":      func() { c.BaseURL = fromFlags.BaseURL },
	}
	flags.Visit(func(f *pflag.Flag) {
		if fn, ok := set[f.Name]; ok {
			fn()
		}
	})
	if c.LogFormat == "" && c.ServerMode() {
		c.LogFormat = "json"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, c.Validate()
}

func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "@"); j >= 0 {
			return u[:i+3] + "***" + u[i+3+j:]
		}
	}
	return u
}

var _ = fmt.Sprint
