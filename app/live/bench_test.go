package live_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/live"
)

// BenchmarkStreams holds 1,000 open streams (and 10, to tell the layer's own latency from
// the cost of the fan-out), on one process or spread over two on one database, in two
// patterns:
//
//   - fanout: every stream follows one topic (as every open queue follows "queue"), and
//     events are published at a steady fanoutPerSecond, each to every stream;
//   - chats: the streams are the two sides of chats, each chat's customer on one process
//     and its agent on the other (with two), and messages are published at a steady
//     chatsPerSecond, each to its chat's two streams.
//
// It reports the delivery latency from publishing (the insert, then the commit) to the
// receipt by each client (p50, p99), the memory each open stream holds: the heap and
// stacks in use with the streams open, less before, per stream — server and client side
// together (the clients are bare connections read by one goroutine each, in this process),
// so an upper bound of the server's share — and the CPU time the process used per
// delivery received (cpu-µs/delivery): server, clients and publisher together, a figure
// a busy machine changes far less than the latencies. Streams a slow client leaves Buffer
// events behind are ended (a browser reconnects and catches up from the table); %lost is
// what these clients, which do not reconnect, missed so.
//
// Each sub-benchmark publishes for at least ten seconds (200 events in fanout, 1,000 in
// chats), more with -benchtime Nx; go tool task bench runs it so.
//
//	go test -run '^$' -bench BenchmarkStreams ./app/live/
func BenchmarkStreams(b *testing.B) {
	for _, streams := range []int{10, 1000} {
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("fanout/streams=%d/processes=%d", streams, procs), func(b *testing.B) { benchStreams(b, procs, streams, false) })
		}
	}
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("chats/streams=1000/processes=%d", procs), func(b *testing.B) { benchStreams(b, procs, 1000, true) })
	}
}

func benchStreams(b *testing.B, procs, streams int, chats bool) {
	db, dsn := newDB(b)
	var ps []*process
	for range procs {
		// Streams beat as in tugi serve: the tests' 200 ms would add 5,000 writes a
		// second to 1,000 streams, a quarter of the fan-out's own.
		ps = append(ps, startBeating(b, db, dsn, live.DefaultHeartbeat))
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var received atomic.Int64
	lat := make([][]time.Duration, streams)
	var wg sync.WaitGroup
	conns := make([]net.Conn, streams)
	// Stream i follows "bench", or chat i/2 (its customer on the first process, its
	// agent on the other).
	topic := func(i int) string {
		if chats {
			return "chat:" + strconv.Itoa(i/2)
		}
		return "bench"
	}
	for i := range streams {
		p := ps[i%procs]
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = conn
		if _, err := conn.Write([]byte("GET /?topic=" + topic(i) + " HTTP/1.1\r\nHost: tugi\r\n\r\n")); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			r := bufio.NewReaderSize(conn, 512)
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if s, ok := strings.CutPrefix(string(line), "data: "); ok {
					sent, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
					lat[i] = append(lat[i], time.Since(time.Unix(0, sent)))
					received.Add(1)
				}
			}
		})
	}
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for openStreams(ps) < streams {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d streams open", openStreams(ps), streams)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perStream := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / float64(streams)
	for i := range lat {
		lat[i] = make([]time.Duration, 0, 1000)
	}

	b.ResetTimer()
	cpuBefore := cpuTime(b)
	rate, perEvent := fanoutPerSecond, streams
	if chats {
		rate, perEvent = chatsPerSecond, 2
	}
	// At least ten seconds of events, whatever b.N: go tool task bench runs every
	// benchmark with b.N = 1 first, and one event tells nothing of a p99.
	events := max(b.N, 10*rate)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for n := range events {
		<-tick.C
		sendNow(b, db, topic(2*n%streams))
	}
	want := int64(events * perEvent)
	for received.Load() < want && time.Now().Before(deadline.Add(time.Minute)) {
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpuBefore
	// A stream that falls Buffer events behind is ended (its browser would reconnect and
	// be sent the rest from the table; these clients do not): reported, not hidden.
	b.ReportMetric(float64(want-received.Load())/float64(want)*100, "%lost")
	if received.Load() == 0 {
		b.Fatal("no event received")
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(perStream/1024, "KiB/stream")
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(received.Load()), "cpu-µs/delivery")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the CPU time the process has used (user and system): per delivery, a figure
// a busy machine does not change much, unlike latencies.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openStreams(ps []*process) int {
	n := 0
	for _, p := range ps {
		n += int(p.hub.Open())
	}
	return n
}

// sendNow publishes an event to topic whose data is the time it is published at.
func sendNow(b *testing.B, db *sqlx.DB, topic string) {
	err := database.WithTx(context.Background(), db, func(tx *sqlx.Tx) error {
		return live.Publish(context.Background(), tx, live.Event{Topic: topic, Kind: "tick", Data: time.Now().UnixNano()})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// The benchmark's steady rates. In fanout each event goes to every stream, so 1,000
// streams take 20,000 deliveries a second — far more than a help desk's queue changes;
// in chats each message goes to the two sides of its chat: 100 messages a second is
// 200 deliveries, some 500 chats under way with a message from each every five seconds.
const (
	fanoutPerSecond = 20
	chatsPerSecond  = 100
)
