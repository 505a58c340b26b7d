// Package poll has a polling helper used by the variant programs.
package poll

import "time"

// Until calls cond every interval until it reports true.
func Until(cond func() bool, interval time.Duration) {
	for {
		if cond() {
			return
		}
		time.Sleep(interval)
	}
}
