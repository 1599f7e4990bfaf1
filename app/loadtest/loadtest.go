// Package loadtest drives an HTTP endpoint with a fixed number of concurrent clients for a
// fixed time and reports throughput and latency percentiles. Benchmarks use it to compare
// a page with a baseline measured in the same run; it only ever targets the address it is
// given, which the benchmarks keep on loopback.
package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Result is what one run measured.
type Result struct {
	Requests int
	Errors   int // transport errors and responses with an unexpected status
	Duration time.Duration
	P50, P99 time.Duration
	latency  []time.Duration // of every request, sorted
}

// Combine returns the result of runs taken together, as if one run: their requests,
// errors and time added up, and the percentiles of all their requests.
func Combine(runs ...Result) Result {
	var r Result
	for _, run := range runs {
		r.Requests += run.Requests
		r.Errors += run.Errors
		r.Duration += run.Duration
		r.latency = append(r.latency, run.latency...)
	}
	slices.Sort(r.latency)
	r.percentiles()
	return r
}

func (r *Result) percentiles() {
	if n := len(r.latency); n > 0 {
		r.P50 = r.latency[n*50/100]
		r.P99 = r.latency[min(n-1, n*99/100)]
	}
}

// Compare runs a and b in turn, rounds times each for duration/rounds, and returns their
// combined results: both then see the machine as it was over the whole time, which on a
// shared machine matters more than how long each runs.
func Compare(a, b func(d time.Duration) Result, rounds int, duration time.Duration) (Result, Result) {
	var as, bs []Result
	for range rounds {
		as = append(as, a(duration/time.Duration(rounds)))
		bs = append(bs, b(duration/time.Duration(rounds)))
	}
	return Combine(as...), Combine(bs...)
}

// RPS returns the successful requests per second.
func (r Result) RPS() float64 { return float64(r.Requests-r.Errors) / r.Duration.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors)",
		r.RPS(), ms(r.P50), ms(r.P99), r.Requests, r.Errors)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Request fills req, the next request a worker sends; it is called for every request.
type Request func(req *fasthttp.Request)

// Get returns a Request for GET url with the given cookies, asking for a compressed
// response as a browser does.
func Get(url string, cookies ...*http.Cookie) Request {
	return func(req *fasthttp.Request) {
		req.SetRequestURI(url)
		req.Header.SetMethod(http.MethodGet)
		req.Header.Set("Accept-Encoding", "gzip")
		for _, c := range cookies {
			req.Header.SetCookie(c.Name, c.Value)
		}
	}
}

// Run sends requests from concurrency workers for duration, each worker one request at a
// time over a kept-alive connection of its own, and counts a response with another status
// than want as an error.
//
// It is a client for measuring, made to take as little of the machine as it can, which
// the server it measures shares: fasthttp reuses its requests, responses and buffers (the
// standard library's client allocates each anew), and a compressed body is read as sent,
// never decompressed, as wrk does. Redirects are not followed.
func Run(ctx context.Context, newRequest Request, want, concurrency int, duration time.Duration) Result {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	client := &fasthttp.Client{MaxConnsPerHost: concurrency, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	defer client.CloseIdleConnections()

	var mu sync.Mutex
	var all []time.Duration
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			errs := 0
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			for ctx.Err() == nil {
				req.Reset()
				newRequest(req)
				t0 := time.Now()
				if err := client.Do(req, res); err != nil || res.StatusCode() != want {
					errs++
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	r := Result{Requests: len(all), Errors: errors, Duration: time.Since(start), latency: all}
	r.percentiles()
	return r
}
