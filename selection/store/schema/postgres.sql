-- The seed's three tables in PostgreSQL's dialect, with columns for A/B tests (their per-arm
-- sums and triggers come from selection/store/_ab_sql.py). Idempotent: safe to run at every start.
CREATE TABLE IF NOT EXISTS model_performance_records (
    record_id VARCHAR(255) PRIMARY KEY,
    model_id VARCHAR(255) NOT NULL,
    task_type VARCHAR(100) NOT NULL,
    prompt_hash VARCHAR(64) NOT NULL,
    response_time_ms DOUBLE PRECISION,
    token_count_input BIGINT,
    token_count_output BIGINT,
    cost DOUBLE PRECISION,
    quality_score DOUBLE PRECISION,
    consciousness_score DOUBLE PRECISION,
    creativity_score DOUBLE PRECISION,
    accuracy_score DOUBLE PRECISION,
    reasoning_depth_score DOUBLE PRECISION,
    humor_score DOUBLE PRECISION,
    user_rating DOUBLE PRECISION,
    error_occurred BOOLEAN NOT NULL DEFAULT FALSE,
    error_type VARCHAR(255),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    context_data JSONB NOT NULL DEFAULT '{}',
    ab_test_id VARCHAR(255),
    ab_arm VARCHAR(1),
    ab_phase INTEGER
);
-- Databases created before A/B tests gain their columns here (no-ops otherwise).
ALTER TABLE model_performance_records
    ADD COLUMN IF NOT EXISTS ab_test_id VARCHAR(255),
    ADD COLUMN IF NOT EXISTS ab_arm VARCHAR(1),
    ADD COLUMN IF NOT EXISTS ab_phase INTEGER;
-- Databases created with 32-bit token columns, which wrapped past 2^31, become 64-bit (once:
-- the check keeps later starts from rewriting the table).
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'model_performance_records'
          AND column_name IN ('token_count_input', 'token_count_output')
          AND data_type = 'integer'
    ) THEN
        ALTER TABLE model_performance_records
            ALTER COLUMN token_count_input TYPE BIGINT,
            ALTER COLUMN token_count_output TYPE BIGINT;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS ix_records_task_model_time
    ON model_performance_records (task_type, model_id, timestamp);
CREATE INDEX IF NOT EXISTS ix_records_time ON model_performance_records (timestamp);
CREATE INDEX IF NOT EXISTS ix_records_ab
    ON model_performance_records (ab_test_id, ab_phase, ab_arm) WHERE ab_test_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS model_recommendations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_type VARCHAR(100) NOT NULL,
    recommended_model_id VARCHAR(255) NOT NULL,
    confidence_score DOUBLE PRECISION,
    reasoning TEXT,
    expected_performance JSONB,
    cost_estimate DOUBLE PRECISION,
    alternative_models TEXT[],
    recommendation_factors JSONB,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS ix_recommendations_task_time
    ON model_recommendations (task_type, timestamp);

CREATE TABLE IF NOT EXISTS ab_test_configurations (
    test_id VARCHAR(255) PRIMARY KEY,
    test_name VARCHAR(255) NOT NULL,
    model_a_id VARCHAR(255) NOT NULL,
    model_b_id VARCHAR(255) NOT NULL,
    task_types TEXT[] NOT NULL,
    sample_size INTEGER,
    traffic_split DOUBLE PRECISION,
    success_metrics TEXT[],
    duration_hours INTEGER,
    start_time TIMESTAMPTZ,
    status VARCHAR(50),
    results JSONB,
    guardrails JSONB,
    design JSONB,
    phases JSONB,
    decisions JSONB,
    monitor_state JSONB,
    end_time TIMESTAMPTZ
);
ALTER TABLE ab_test_configurations
    ADD COLUMN IF NOT EXISTS guardrails JSONB,
    ADD COLUMN IF NOT EXISTS design JSONB,
    ADD COLUMN IF NOT EXISTS phases JSONB,
    ADD COLUMN IF NOT EXISTS decisions JSONB,
    ADD COLUMN IF NOT EXISTS monitor_state JSONB,
    ADD COLUMN IF NOT EXISTS end_time TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS ix_ab_tests_status ON ab_test_configurations (status);
