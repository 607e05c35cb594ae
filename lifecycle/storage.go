package lifecycle

import (
	"encoding/json"
	"fmt"
)

// storageVersion is the version of the stored encoding; Unmarshal refuses
// others rather than misread them.
const storageVersion = 1

type stored struct {
	V     int    `json:"v"`
	Rules []Rule `json:"rules"`
}

// Marshal encodes the configuration for storage on the nodes: compact JSON
// with a format version.
func (c *Configuration) Marshal() ([]byte, error) {
	b, err := json.Marshal(stored{V: storageVersion, Rules: c.Rules})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: encoding configuration: %w", err)
	}
	return b, nil
}

// Unmarshal decodes what Marshal encoded, and validates it again so that a
// damaged record is an error, not a rule that acts wrongly.
func Unmarshal(data []byte) (*Configuration, error) {
	var s stored
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("lifecycle: decoding stored configuration: %w", err)
	}
	if s.V != storageVersion {
		return nil, fmt.Errorf("lifecycle: stored configuration has version %d, want %d", s.V, storageVersion)
	}
	c := &Configuration{Rules: s.Rules}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("lifecycle: stored configuration is not valid: %w", err)
	}
	for _, r := range c.Rules {
		if r.ID == "" {
			return nil, fmt.Errorf("lifecycle: stored configuration has a rule without an ID")
		}
	}
	return c, nil
}
