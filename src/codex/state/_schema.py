"""Schemas of the four state databases as the 0.136 reference leaves them after its sqlx
migrations (`sqlite_master` text, in creation order), and the `_sqlx_migrations` rows
(version, description, SHA-384 checksum of the migration file) that tell sqlx that every
migration ran, so the reference opens our databases without migrating.

Generated from fixtures/persistence/state_schema.sql and sqlx_migrations.json."""

# fmt: off
SCHEMAS: dict[str, tuple[str, ...]] = {
    'state_5': (
        'CREATE TABLE _sqlx_migrations (\n    version BIGINT PRIMARY KEY,\n    description TEXT NOT NULL,\n    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    success BOOLEAN NOT NULL,\n    checksum BLOB NOT NULL,\n    execution_time BIGINT NOT NULL\n);',
        "CREATE TABLE threads (\n    id TEXT PRIMARY KEY,\n    rollout_path TEXT NOT NULL,\n    created_at INTEGER NOT NULL,\n    updated_at INTEGER NOT NULL,\n    source TEXT NOT NULL,\n    model_provider TEXT NOT NULL,\n    cwd TEXT NOT NULL,\n    title TEXT NOT NULL,\n    sandbox_policy TEXT NOT NULL,\n    approval_mode TEXT NOT NULL,\n    tokens_used INTEGER NOT NULL DEFAULT 0,\n    has_user_event INTEGER NOT NULL DEFAULT 0,\n    archived INTEGER NOT NULL DEFAULT 0,\n    archived_at INTEGER,\n    git_sha TEXT,\n    git_branch TEXT,\n    git_origin_url TEXT\n, cli_version TEXT NOT NULL DEFAULT '', first_user_message TEXT NOT NULL DEFAULT '', agent_nickname TEXT, agent_role TEXT, memory_mode TEXT NOT NULL DEFAULT 'enabled', model TEXT, reasoning_effort TEXT, agent_path TEXT, created_at_ms INTEGER, updated_at_ms INTEGER, thread_source TEXT, preview TEXT NOT NULL DEFAULT '');",
        'CREATE INDEX idx_threads_created_at ON threads(created_at DESC, id DESC);',
        'CREATE INDEX idx_threads_updated_at ON threads(updated_at DESC, id DESC);',
        'CREATE INDEX idx_threads_archived ON threads(archived);',
        'CREATE INDEX idx_threads_source ON threads(source);',
        'CREATE INDEX idx_threads_provider ON threads(model_provider);',
        'CREATE TABLE sqlite_sequence(name,seq);',
        'CREATE TABLE thread_dynamic_tools (\n    thread_id TEXT NOT NULL,\n    position INTEGER NOT NULL,\n    name TEXT NOT NULL,\n    description TEXT NOT NULL,\n    input_schema TEXT NOT NULL, defer_loading INTEGER NOT NULL DEFAULT 0, namespace TEXT,\n    PRIMARY KEY(thread_id, position),\n    FOREIGN KEY(thread_id) REFERENCES threads(id) ON DELETE CASCADE\n);',
        'CREATE INDEX idx_thread_dynamic_tools_thread ON thread_dynamic_tools(thread_id);',
        'CREATE TABLE backfill_state (\n    id INTEGER PRIMARY KEY CHECK (id = 1),\n    status TEXT NOT NULL,\n    last_watermark TEXT,\n    last_success_at INTEGER,\n    updated_at INTEGER NOT NULL\n);',
        'CREATE TABLE agent_jobs (\n    id TEXT PRIMARY KEY,\n    name TEXT NOT NULL,\n    status TEXT NOT NULL,\n    instruction TEXT NOT NULL,\n    output_schema_json TEXT,\n    input_headers_json TEXT NOT NULL,\n    input_csv_path TEXT NOT NULL,\n    output_csv_path TEXT NOT NULL,\n    auto_export INTEGER NOT NULL DEFAULT 1,\n    created_at INTEGER NOT NULL,\n    updated_at INTEGER NOT NULL,\n    started_at INTEGER,\n    completed_at INTEGER,\n    last_error TEXT\n, max_runtime_seconds INTEGER);',
        'CREATE TABLE agent_job_items (\n    job_id TEXT NOT NULL,\n    item_id TEXT NOT NULL,\n    row_index INTEGER NOT NULL,\n    source_id TEXT,\n    row_json TEXT NOT NULL,\n    status TEXT NOT NULL,\n    assigned_thread_id TEXT,\n    attempt_count INTEGER NOT NULL DEFAULT 0,\n    result_json TEXT,\n    last_error TEXT,\n    created_at INTEGER NOT NULL,\n    updated_at INTEGER NOT NULL,\n    completed_at INTEGER,\n    reported_at INTEGER,\n    PRIMARY KEY (job_id, item_id),\n    FOREIGN KEY(job_id) REFERENCES agent_jobs(id) ON DELETE CASCADE\n);',
        'CREATE INDEX idx_agent_jobs_status ON agent_jobs(status, updated_at DESC);',
        'CREATE INDEX idx_agent_job_items_status ON agent_job_items(job_id, status, row_index ASC);',
        'CREATE TABLE thread_spawn_edges (\n    parent_thread_id TEXT NOT NULL,\n    child_thread_id TEXT NOT NULL PRIMARY KEY,\n    status TEXT NOT NULL\n);',
        'CREATE INDEX idx_thread_spawn_edges_parent_status\n    ON thread_spawn_edges(parent_thread_id, status);',
        'CREATE TABLE remote_control_enrollments (\n    websocket_url TEXT NOT NULL,\n    account_id TEXT NOT NULL,\n    app_server_client_name TEXT NOT NULL,\n    server_id TEXT NOT NULL,\n    environment_id TEXT NOT NULL,\n    server_name TEXT NOT NULL,\n    updated_at INTEGER NOT NULL,\n    PRIMARY KEY (websocket_url, account_id, app_server_client_name)\n);',
        'CREATE TRIGGER threads_created_at_ms_after_insert\nAFTER INSERT ON threads\nWHEN NEW.created_at_ms IS NULL\nBEGIN\n    UPDATE threads\n    SET created_at_ms = NEW.created_at * 1000\n    WHERE id = NEW.id;\nEND;',
        'CREATE TRIGGER threads_updated_at_ms_after_insert\nAFTER INSERT ON threads\nWHEN NEW.updated_at_ms IS NULL\nBEGIN\n    UPDATE threads\n    SET updated_at_ms = NEW.updated_at * 1000\n    WHERE id = NEW.id;\nEND;',
        'CREATE TRIGGER threads_created_at_ms_after_update\nAFTER UPDATE OF created_at ON threads\nWHEN NEW.created_at != OLD.created_at\n AND NEW.created_at_ms IS OLD.created_at_ms\nBEGIN\n    UPDATE threads\n    SET created_at_ms = NEW.created_at * 1000\n    WHERE id = NEW.id;\nEND;',
        'CREATE TRIGGER threads_updated_at_ms_after_update\nAFTER UPDATE OF updated_at ON threads\nWHEN NEW.updated_at != OLD.updated_at\n AND NEW.updated_at_ms IS OLD.updated_at_ms\nBEGIN\n    UPDATE threads\n    SET updated_at_ms = NEW.updated_at * 1000\n    WHERE id = NEW.id;\nEND;',
        'CREATE INDEX idx_threads_created_at_ms ON threads(created_at_ms DESC, id DESC);',
        'CREATE INDEX idx_threads_updated_at_ms ON threads(updated_at_ms DESC, id DESC);',
        'CREATE INDEX idx_threads_archived_cwd_created_at_ms ON threads(archived, cwd, created_at_ms DESC, id DESC);',
        'CREATE INDEX idx_threads_archived_cwd_updated_at_ms ON threads(archived, cwd, updated_at_ms DESC, id DESC);',
    ),
    'goals_1': (
        'CREATE TABLE _sqlx_migrations (\n    version BIGINT PRIMARY KEY,\n    description TEXT NOT NULL,\n    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    success BOOLEAN NOT NULL,\n    checksum BLOB NOT NULL,\n    execution_time BIGINT NOT NULL\n);',
        "CREATE TABLE thread_goals (\n    thread_id TEXT PRIMARY KEY NOT NULL,\n    goal_id TEXT NOT NULL,\n    objective TEXT NOT NULL,\n    status TEXT NOT NULL CHECK(status IN (\n        'active',\n        'paused',\n        'blocked',\n        'usage_limited',\n        'budget_limited',\n        'complete'\n    )),\n    token_budget INTEGER,\n    tokens_used INTEGER NOT NULL DEFAULT 0,\n    time_used_seconds INTEGER NOT NULL DEFAULT 0,\n    created_at_ms INTEGER NOT NULL,\n    updated_at_ms INTEGER NOT NULL\n);",
    ),
    'logs_2': (
        'CREATE TABLE _sqlx_migrations (\n    version BIGINT PRIMARY KEY,\n    description TEXT NOT NULL,\n    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    success BOOLEAN NOT NULL,\n    checksum BLOB NOT NULL,\n    execution_time BIGINT NOT NULL\n);',
        'CREATE TABLE sqlite_sequence(name,seq);',
        'CREATE TABLE logs (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    ts INTEGER NOT NULL,\n    ts_nanos INTEGER NOT NULL,\n    level TEXT NOT NULL,\n    target TEXT NOT NULL,\n    feedback_log_body TEXT,\n    module_path TEXT,\n    file TEXT,\n    line INTEGER,\n    thread_id TEXT,\n    process_uuid TEXT,\n    estimated_bytes INTEGER NOT NULL DEFAULT 0\n);',
        'CREATE INDEX idx_logs_ts ON logs(ts DESC, ts_nanos DESC, id DESC);',
        'CREATE INDEX idx_logs_thread_id ON logs(thread_id);',
        'CREATE INDEX idx_logs_thread_id_ts ON logs(thread_id, ts DESC, ts_nanos DESC, id DESC);',
        'CREATE INDEX idx_logs_process_uuid_threadless_ts ON logs(process_uuid, ts DESC, ts_nanos DESC, id DESC)\nWHERE thread_id IS NULL;',
    ),
    'memories_1': (
        'CREATE TABLE _sqlx_migrations (\n    version BIGINT PRIMARY KEY,\n    description TEXT NOT NULL,\n    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    success BOOLEAN NOT NULL,\n    checksum BLOB NOT NULL,\n    execution_time BIGINT NOT NULL\n);',
        'CREATE TABLE stage1_outputs (\n    thread_id TEXT PRIMARY KEY,\n    source_updated_at INTEGER NOT NULL,\n    raw_memory TEXT NOT NULL,\n    rollout_summary TEXT NOT NULL,\n    rollout_slug TEXT,\n    generated_at INTEGER NOT NULL,\n    usage_count INTEGER,\n    last_usage INTEGER,\n    selected_for_phase2 INTEGER NOT NULL DEFAULT 0,\n    selected_for_phase2_source_updated_at INTEGER\n);',
        'CREATE INDEX idx_stage1_outputs_source_updated_at\n    ON stage1_outputs(source_updated_at DESC, thread_id DESC);',
        'CREATE TABLE jobs (\n    kind TEXT NOT NULL,\n    job_key TEXT NOT NULL,\n    status TEXT NOT NULL,\n    worker_id TEXT,\n    ownership_token TEXT,\n    started_at INTEGER,\n    finished_at INTEGER,\n    lease_until INTEGER,\n    retry_at INTEGER,\n    retry_remaining INTEGER NOT NULL,\n    last_error TEXT,\n    input_watermark INTEGER,\n    last_success_watermark INTEGER,\n    PRIMARY KEY (kind, job_key)\n);',
        'CREATE INDEX idx_jobs_kind_status_retry_lease\n    ON jobs(kind, status, retry_at, lease_until);',
    ),
}

MIGRATIONS: dict[str, tuple[tuple[int, str, str], ...]] = {
    'state_5': (
        (1, 'threads', '627ef19164c9bb298a0cd99945981c9b7bda3d9e6cf12eb35145e3b1d3bf7cf8740f0dbaa0b475185fc2993397078049'),
        (2, 'logs', '521b72cbc04c7d03b1e4aef8dc0fdee672f1f7f5881385a55a0e937e4ebe87a3f67bca4d3f6b59afbc9a7ca723c82856'),
        (3, 'logs thread id', 'e58a2862bdb66d3274e60144a26dc9d68bbefff834cd29b82b740f38fcf95862934f412665d985715167839e8f0eb377'),
        (4, 'thread dynamic tools', '8adc251366e4c7e5ea78b620ac71f4c4bdfb8f048bf9f2fd7204226cfba54c8e83fc9d83fc1ec334bc683bb7f6d0d8a8'),
        (5, 'threads cli version', '1ac64f85e083e5b49b974bf498fc39c630f0032057fb4bf4cb31708619fac5a80189f261cf3e38dafd92dc406e73c220'),
        (6, 'memories', 'a203fc4b597e1420bffdc4e00e214798b21cf7fc921d8bd6f089c75248fb6a4b4942c97a1f8e0271eca8cf3b3e5e7a80'),
        (7, 'threads first user message', '7e35a464df6d4c82694de50865ba3fe9104f9e1385a33be7d633ab4b8d6cf60b7f369fe083d31251fd77b75fa2d61f82'),
        (8, 'backfill state', 'aa3f287f7a448554e7af01f259f0871ce90ace1a7d4b8ebbd74c87ae57c3e21119f7eec8b9c2e9f4a9e76e63a0f0b60a'),
        (9, 'stage1 outputs rollout slug', '8b469360777e6dd6c21d3f0eb93481251846b0a50e0a44eb0dbee4a0a32b7206768a5d83a5fcec30c6fd2e43d755ff1b'),
        (10, 'logs process id', '8adaf1365f8e5deeba68bdeee9fd83b094a87bdab364d95ab5c714f7b8bd95dc3b38576871470312154c9d41e8f10f93'),
        (11, 'logs partition prune indexes', '31ececbd07f04452d0dc5127d824ed183056b9900a31aa739387a4aef232016d975110829814841fb6bf3fd23634b799'),
        (12, 'logs estimated bytes', '0012a213ed25f2cf806c2530c487ebb00b4f102f5960d1a852154a0f77d25c9e9f7df29550faeb30ebaff15a26c7d604'),
        (13, 'threads agent nickname', '05526a0900a8430523a9a05932ea61302fce20782b245498565c1b9a2dfd10cf5c49932089b496ae23af44f6c5f76af4'),
        (14, 'agent jobs', '4d2fbb2442c5c5c7c47b4254b5b8dc2c52129f65c4a952a79f1ec5c40fb07483326429ce5acdbd372bc9262352cb6277'),
        (15, 'agent jobs max runtime seconds', '0eece6db59c948faa6608526af440a9f53f5a982d27f3e866cd9f1401c2e59bc61f8381b5a1c9744acb232f50db493e5'),
        (16, 'memory usage', '4768f743e981293735c6e07b0282ec8ace98af720059d68555b17979d28c94b0c893a97a950d5e32758bc6d92d8fe6ff'),
        (17, 'phase2 selection flag', '4cbdb2edfebf6040858ffc193cffa36e6b3fbf508f8418ad073081bbfcf59d53d423b6eb4c0ded206ab4d4c1a0efed94'),
        (18, 'phase2 selection snapshot', 'a4363003bc44f0a4ae1eed53b536b7175f97863ea6881a059dc6642e70e2921576204697cec2345f560e65ff7fbf4455'),
        (19, 'thread dynamic tools defer loading', '3884c02f080f0184e92b620f870dfbb840a8ec5dfce2fe6455dd8197fcd27d7dd86e63ad6ec7c4091a1161d9ed199f8d'),
        (20, 'threads model reasoning effort', '07673f4859f740134569ab9606760d8173ed6df92da47c86fbd0ceeb333e18ab7ac91d525ab8c11503c42164fd4167ae'),
        (21, 'thread spawn edges', 'ea1aebe4f5a1d56c8effcc15f705c272275dd8adfeb01bc97d3f7b283474a3b8c2b0c8c69de55786e8bda17cae6f4de7'),
        (22, 'threads agent path', '160fe01b757dd06f9573b9030952d021f2b148732bea5fc5f5ae09e9227f3f83ca676695edaf8502669fcb546119dc94'),
        (23, 'drop logs', 'e6c748a9a18286e4c773ffe0dad659f16fb7e5b7b032235815991c405f2d32c068f3edde920d0fcf589b687bffcfee2e'),
        (24, 'remote control enrollments', 'e92aa526b1f36e26f6221c04a671f07b27de2e7a5112d93a8c3af816a87846e7804d5fbad689e61cf4ec91fd79d3bd8a'),
        (25, 'thread timestamps millis', 'd6fb51d79941b93c3278fe2a8a0c6fa882407b7b716e32d72329f0b7b60c181a42f49e56cd552315efb0402a111ede12'),
        (26, 'thread dynamic tools namespace', '6c62a325d3b9ca8e424eacb9e3890d8d9de57c3725e2d1fa30c3743ae779fca2969387174359dfb26e4920791ae7e831'),
        (27, 'threads cwd sort indexes', 'd84dca6a039e004c0c7d06c5a16c2ccc363137537f3dd9898f50bb013ce9067140761b87d58ca742d769d35976863fc3'),
        (28, 'device key bindings', 'ef44adaa291e40dfe6b74e3cd259711adae13f01c5594b177d08e2d2041a67ed3813feecf049662aaed0f636bd3f4ac3'),
        (29, 'thread goals', 'e9ec76f97dbf41ce4949de324a2a26538c2025c0ac4f272b77a852970fb14b7ec970d6978a765f91ae171dce9c0e4149'),
        (30, 'threads thread source', '80c1cdacd4520b42b18b960164912685591a7ee041645f35609a2ee2792eb474b7b0b758366556982d8cde2acb583672'),
        (31, 'drop device key bindings', '943675a9b3dc92d0b2731ae7d2fe324ff1a40b6366b9d5d8b4cb47ca885c08beb6ebb1d776a5a47c878b4094dde70ea0'),
        (32, 'threads preview', '3c01d615c5e3aba0fd858b7168e73881598d7d33a0ecc41527bdf6595a199d1aec2ff9f3b3000a57241c500d81b34259'),
        (33, 'thread goal stopped statuses', '4904aae354e3d8ce32ac21d2ae579fd708446ae1dfb2649fc9dd22dc9279b91a2bbb02e6f01b3e0abd1088177bf2f030'),
        (34, 'drop thread goals', 'd6fea739c76ebdef35a23f06e54efb5904d7987fb6b663db1ebc98eb9b192305f454932bfbaa2231aedca6209903a5f3'),
        (35, 'drop memory tables', 'd7b56acb07c96858bdc7ca4c53db51eb71c6a19ef2c524ff68c2660a6fe0d23211a6d39cb905f01c42ffb7c8ee913bbc'),
    ),
    'goals_1': (
        (1, 'thread goals', '8ce6280244a0b4b39c7c37c7f67aff1670ec963d2401cdf2abcfea9904102db6cd99b7bedf366267791a45eb12f17713'),
    ),
    'logs_2': (
        (1, 'logs', '009639eafe599be97d49d1d712e51671bf1be1c6b8cb7bf1a4136da88fb0e19308ff3cbcfbfbf589065e0eafef2ca164'),
        (2, 'logs feedback log body', 'cf6c93af074a90224564010f49bc9cf905f10ba4c3c4b8b25c12e014ee1522f0b561a1c3d8188f6d2f4be764f141daf8'),
    ),
    'memories_1': (
        (1, 'memories', 'a1af50da50775a70f98da680006b7df4501956753ae98511ab727aa295915d9ae6f4190b4eaa5abc4fd7891642f7d21d'),
    ),
}
