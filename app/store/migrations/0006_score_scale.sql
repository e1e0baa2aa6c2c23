-- Score scales: logs grade answers 0/1, 0-1, or on graded scales such as 1-10. `score` is
-- always normalised to [0, 1] ((s - low) / (high - low)) so every router and metric reads one
-- scale; the value as the log gave it is kept in `score_original`, and the dataset records
-- which scale it was ("0/1", "0-1", "1-10", ...). Rows written before this kept their score
-- as given, so their original is the score itself.
ALTER TABLE outcomes ADD COLUMN score_original DOUBLE;
UPDATE outcomes SET score_original = score;
ALTER TABLE datasets ADD COLUMN score_scale VARCHAR;
