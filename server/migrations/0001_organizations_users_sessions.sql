-- Organisations (participants of the traceability chain), their users, sign-in and sessions.
-- Tokens and codes are never stored in clear: only their SHA-256.

-- A participant of the chain. Its identity document is unique: one organisation per NIT/cédula.
CREATE TABLE organizations (
    organization_id   uuid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN (
                          'COMERCIALIZADOR', 'PLANTA_BENEFICIO',
                          'EXPLOTADOR_MINERO_AUTORIZADO', 'MINERO_SUBSISTENCIA')),
    document_type     text NOT NULL,
    document_number   text NOT NULL,            -- canonical form of domain (NIT: 901304961-7)
    razon_social      text NOT NULL,
    departamento_code text NOT NULL CHECK (departamento_code ~ '^[0-9]{2}$'),
    municipio_code    text NOT NULL CHECK (municipio_code ~ '^[0-9]{5}$'
                                               AND left(municipio_code, 2) = departamento_code),
    contact_email     text NOT NULL,
    contact_mobile    text NOT NULL,            -- E.164, e.g. +573001234567
    rucom_number      text,                     -- traders and plants only
    rucom_state       text CHECK (rucom_state IN ('CERTIFICADO', 'EN_TRAMITE', 'SUSPENDIDO', 'CANCELADO')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_type, document_number),
    CHECK ((rucom_number IS NULL) = (rucom_state IS NULL))
);

-- The mining titles (códigos de expediente) of a title holder; a title belongs to one holder.
CREATE TABLE mining_titles (
    codigo_expediente text PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mining_titles_organization_id ON mining_titles (organization_id);

-- A person who signs in. Organisation roles belong to one organisation; platform roles
-- (the ANM's auditors, the operator's administrators) to none.
CREATE TABLE users (
    user_id           uuid PRIMARY KEY,
    organization_id   uuid REFERENCES organizations,
    role              text NOT NULL CHECK (role IN (
                          'ADMINISTRADOR', 'OPERADOR', 'CONSULTA', 'AUDITOR_ANM', 'ADMINISTRADOR_OTTM')),
    username          text UNIQUE,              -- null until an invited user accepts
    email             text NOT NULL UNIQUE,     -- lowercase
    mobile            text,                     -- E.164; needed for the SMS second factor
    full_name         text NOT NULL,
    password_hash     text,                     -- Argon2id PHC string; null until set
    second_factor     text NOT NULL DEFAULT 'EMAIL' CHECK (second_factor IN ('EMAIL', 'SMS')),
    email_verified_at timestamptz,
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((organization_id IS NULL) = (role IN ('AUDITOR_ANM', 'ADMINISTRADOR_OTTM'))),
    CHECK (second_factor <> 'SMS' OR mobile IS NOT NULL)
);
CREATE INDEX users_organization_id ON users (organization_id);

-- Single-use links sent by email: verification, invitation, password recovery.
CREATE TABLE user_tokens (
    token_hash  bytea PRIMARY KEY,              -- SHA-256 of the secret in the link
    user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('VERIFICAR_CORREO', 'INVITACION', 'RECUPERAR_CLAVE')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_tokens_user_id ON user_tokens (user_id, purpose);

-- The second factor: a 6-digit code sent after a correct password. The browser holds the
-- challenge's secret (cookie); the code alone is useless without it.
CREATE TABLE login_challenges (
    challenge_hash bytea PRIMARY KEY,           -- SHA-256 of the cookie's secret
    user_id        uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    code_hash      bytea NOT NULL,              -- SHA-256 of challenge secret || code
    channel        text NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    sends          integer NOT NULL DEFAULT 1 CHECK (sends >= 1),
    last_sent_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_challenges_user_id ON login_challenges (user_id);

-- Signed-in browsers. The cookie holds the secret; the table its SHA-256.
CREATE TABLE sessions (
    session_hash bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,          -- absolute limit
    revoked_at   timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- The audit trail of sign-in: every success, failure, lock, code and sign-out. Also the source of
-- the throttling counts (failures per account and per address in a recent window).
CREATE TABLE auth_events (
    auth_event_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    kind            text NOT NULL,
    user_id         uuid REFERENCES users ON DELETE SET NULL,
    organization_id uuid REFERENCES organizations ON DELETE SET NULL,
    client_address  text,
    identifier      text,                       -- what was typed to sign in (failures only)
    detail          text
);
CREATE INDEX auth_events_identifier_failures ON auth_events (identifier, at) WHERE kind = 'INGRESO_FALLIDO';
CREATE INDEX auth_events_address_failures ON auth_events (client_address, at) WHERE kind = 'INGRESO_FALLIDO';
CREATE INDEX auth_events_user_id ON auth_events (user_id, at);
