package job

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the jobs' figures on /metrics, this process's passes only (each process is
// scraped on its own; job_runs holds the latest pass of all).
type metrics struct {
	runs         *prometheus.CounterVec
	lastSuccess  *prometheus.GaugeVec
	lastDuration *prometheus.GaugeVec
}

// newMetrics makes the jobs' metrics and registers them with reg (when not nil). Every
// job's counters start at zero, so a job that never succeeds shows as such, not as absent.
func newMetrics(reg prometheus.Registerer, jobs []Job) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tugi_job_runs_total",
			Help: "Passes of each background job, by outcome: ok, error, or skipped because another process ran the job.",
		}, []string{"job", "outcome"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tugi_job_last_success_timestamp_seconds",
			Help: "When the latest successful pass of each background job ended (Unix time); 0 before the first.",
		}, []string{"job"}),
		lastDuration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tugi_job_last_duration_seconds",
			Help: "How long the latest pass of each background job took (skipped passes aside).",
		}, []string{"job"}),
	}
	for _, j := range jobs {
		for _, o := range outcomes {
			m.runs.WithLabelValues(j.Name, string(o))
		}
		m.lastSuccess.WithLabelValues(j.Name)
		m.lastDuration.WithLabelValues(j.Name)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.runs, m.lastSuccess, m.lastDuration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("job: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

// observe counts a pass of job that ended at end after took.
func (m *metrics) observe(job string, o Outcome, end time.Time, took time.Duration) {
	m.runs.WithLabelValues(job, string(o)).Inc()
	if o == Skipped {
		return
	}
	m.lastDuration.WithLabelValues(job).Set(took.Seconds())
	if o == OK {
		m.lastSuccess.WithLabelValues(job).Set(float64(end.UnixNano()) / 1e9)
	}
}
