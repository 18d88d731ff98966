package main

// Config is the one typed configuration of the binary: defaults, then an
// optional file, then DAIYUN_* environment variables, then flags.
type Config struct {
	DataDir      string
	CatalogURL   string
	WarehouseURL string
	Addr         string
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{DataDir: "./data", Addr: "127.0.0.1:8080"}
}
