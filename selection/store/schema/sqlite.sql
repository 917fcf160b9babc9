-- The seed's three tables in SQLite's dialect, with columns for A/B tests (their per-arm
-- sums and triggers come from selection/store/_ab_sql.py). Idempotent: safe to run at every start.
CREATE TABLE IF NOT EXISTS model_performance_records (
    record_id VARCHAR(255) PRIMARY KEY,
    model_id VARCHAR(255) NOT NULL,
    task_type VARCHAR(100) NOT NULL,
    prompt_hash VARCHAR(64) NOT NULL,
    response_time_ms REAL,
    token_count_input INTEGER,
    token_count_output INTEGER,
    cost REAL,
    quality_score REAL,
    consciousness_score REAL,
    creativity_score REAL,
    accuracy_score REAL,
    reasoning_depth_score REAL,
    humor_score REAL,
    user_rating REAL,
    error_occurred BOOLEAN NOT NULL DEFAULT 0,
    error_type VARCHAR(255),
    timestamp TEXT NOT NULL,          -- ISO 8601 UTC with microseconds: sorts as time does
    context_data TEXT NOT NULL DEFAULT '{}',
    ab_test_id VARCHAR(255),          -- the A/B test the call was assigned in, else NULL
    ab_arm VARCHAR(1),                -- 'a' (champion) or 'b' (challenger)
    ab_phase INTEGER                  -- 0: the test itself; 1, 2, ...: ramp steps
);
CREATE INDEX IF NOT EXISTS ix_records_task_model_time
    ON model_performance_records (task_type, model_id, timestamp);
CREATE INDEX IF NOT EXISTS ix_records_time ON model_performance_records (timestamp);
CREATE INDEX IF NOT EXISTS ix_records_ab
    ON model_performance_records (ab_test_id, ab_phase, ab_arm) WHERE ab_test_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS model_recommendations (
    id TEXT PRIMARY KEY,
    task_type VARCHAR(100) NOT NULL,
    recommended_model_id VARCHAR(255) NOT NULL,
    confidence_score REAL,
    reasoning TEXT,
    expected_performance TEXT,
    cost_estimate REAL,
    alternative_models TEXT,          -- JSON array
    recommendation_factors TEXT,
    timestamp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_recommendations_task_time
    ON model_recommendations (task_type, timestamp);

CREATE TABLE IF NOT EXISTS ab_test_configurations (
    test_id VARCHAR(255) PRIMARY KEY,
    test_name VARCHAR(255) NOT NULL,
    model_a_id VARCHAR(255) NOT NULL,
    model_b_id VARCHAR(255) NOT NULL,
    task_types TEXT NOT NULL,         -- JSON array
    sample_size INTEGER,
    traffic_split REAL,
    success_metrics TEXT,             -- JSON array
    duration_hours INTEGER,
    start_time TEXT,
    status VARCHAR(50),
    results TEXT,                     -- JSON
    guardrails TEXT,                  -- JSON: [{metric, margin, relative}]
    design TEXT,                      -- JSON: unit, alpha, power, mde, gates, ramp, power analysis
    phases TEXT,                      -- JSON: [{index, start_time, traffic_split}]
    decisions TEXT,                   -- JSON: every automated or manual decision, with evidence
    monitor_state TEXT,               -- JSON: running state of the always-valid tests
    end_time TEXT
);
CREATE INDEX IF NOT EXISTS ix_ab_tests_status ON ab_test_configurations (status);
