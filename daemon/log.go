package daemon

import (
	"io"
	"log/slog"

	"github.com/sidewall/sidewall/config"
)

// NewLogger builds the process logger of the [log] table, writing to w, and returns its
// level too: pass both to New, and a reload sets the level to the new log.level. The
// format is fixed (see restartOnly).
func NewLogger(c config.Log, w io.Writer) (*slog.Logger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(logLevel(c))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), level
	}
	return slog.New(slog.NewJSONHandler(w, opts)), level
}

// logLevel is log.level as a slog.Level.
func logLevel(c config.Log) slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config
	return level
}
