// Package apiclient is a thin client for a report API. Title reads the
// first line of a report and never closes the response body.
package apiclient

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
)

type Client struct {
	HTTP *http.Client
	Base string
}

// Title returns the first line of report id.
func (c *Client) Title(id int) (string, error) {
	resp, err := c.HTTP.Get(fmt.Sprintf("%s/r/%d", c.Base, id))
	if err != nil {
		return "", err
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
