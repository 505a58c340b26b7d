// Package webhook delivers event notifications over HTTP. Send clones
// http.DefaultTransport for every delivery (to set its own timeouts) and
// drops it afterwards without CloseIdleConnections.
package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Send posts event as JSON to url.
func Send(url string, event interface{}) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 3 * time.Second
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook %s: %s", url, resp.Status)
	}
	return nil
}
