-- The planner's estimate of the unassigned queue. It judged "status IN (unresolved) AND
-- assignee_id IS NULL" by each column alone: few tickets are unassigned (closed ones
-- have someone), few are unresolved, so it expected a dozen rows where a young
-- database had hundreds, and read them all through a bitmap and sorted them instead of
-- walking tickets_unassigned_due for the page's 26. Statistics of the two columns
-- together tell it how many unresolved tickets nobody has.
CREATE STATISTICS tickets_status_assignee (mcv) ON status, assignee_id FROM tickets;
ANALYZE tickets;
