package chat

import (
	"context"
	"fmt"
	"slices"
	"time"

	"tugi/app/calendar"
)

// Figures are the chat's waits and durations over a span: how many chats were
// answered, the median and 90th percentile of the wait until an agent accepted (wall
// clock, as the customer waited) and of how long the chats lasted, and how many were
// answered within the chat's wait target (business time, as the target counts).
type Figures struct {
	Answered     int
	Ended        int // of those answered, how many ended (their lengths)
	WaitMedian   time.Duration
	WaitP90      time.Duration
	LengthMedian time.Duration
	LengthP90    time.Duration
	WithinTarget int
}

// FigureSpans are today's figures and this week's (since Monday), in the calendar's zone.
type FigureSpans struct {
	Today, Week Figures
	Target      time.Duration
}

// chatTime is a chat's times, as the figures read them.
type chatTime struct {
	Created  time.Time  `db:"created_at"`
	Accepted time.Time  `db:"accepted_at"`
	Ended    *time.Time `db:"ended_at"`
}

// Figures returns today's and this week's figures at now.
func (s *Service) Figures(ctx context.Context, cal *calendar.Calendar, target time.Duration) (FigureSpans, error) {
	now := s.Now().In(cal.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	week := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	var ts []chatTime
	if err := s.db.SelectContext(ctx, &ts, chatTimes, week); err != nil {
		return FigureSpans{}, fmt.Errorf("chat: figures: %w", err)
	}
	var todays []chatTime
	for _, t := range ts {
		if !t.Created.Before(today) {
			todays = append(todays, t)
		}
	}
	return FigureSpans{Today: figures(todays, cal, target), Week: figures(ts, cal, target), Target: target}, nil
}

func figures(ts []chatTime, cal *calendar.Calendar, target time.Duration) Figures {
	f := Figures{Answered: len(ts)}
	var waits, lengths []time.Duration
	for _, t := range ts {
		waits = append(waits, t.Accepted.Sub(t.Created))
		if cal.Between(t.Created, t.Accepted) <= target {
			f.WithinTarget++
		}
		if t.Ended != nil {
			lengths = append(lengths, t.Ended.Sub(t.Accepted))
			f.Ended++
		}
	}
	f.WaitMedian, f.WaitP90 = percentile(waits, 50), percentile(waits, 90)
	f.LengthMedian, f.LengthP90 = percentile(lengths, 50), percentile(lengths, 90)
	return f
}

// percentile is the p-th percentile of ds (nearest rank); 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	i := (p*len(ds) + 99) / 100
	if i < 1 {
		i = 1
	}
	return ds[i-1]
}

// estimateSamples is how many recent waits an estimate needs: fewer tell nothing honest.
const estimateSamples = 3

// Estimate is how long a customer at place in the queue may expect to wait: the median
// wait of the chats answered over the last seven days, for each chat ahead and theirs
// (an agent accepts the chats in order). ok is false when too few chats were answered
// lately to say.
func (s *Service) Estimate(ctx context.Context, place int) (time.Duration, bool, error) {
	var ts []chatTime
	if err := s.db.SelectContext(ctx, &ts, chatTimes, s.Now().AddDate(0, 0, -7)); err != nil {
		return 0, false, fmt.Errorf("chat: estimate: %w", err)
	}
	if len(ts) < estimateSamples {
		return 0, false, nil
	}
	var waits []time.Duration
	for _, t := range ts {
		waits = append(waits, t.Accepted.Sub(t.Created))
	}
	if place < 1 {
		place = 1
	}
	return percentile(waits, 50) * time.Duration(place), true, nil
}
