//! Bad configuration ends the real binary with one line that says what to change.

use std::net::TcpListener;
use std::process::Command;

/// Runs the server binary with `vars` and returns its exit status and stderr.
fn run_server(vars: &[(&str, &str)], remove: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.env("RUST_LOG", "info");
    // Development unless a test says otherwise: production refuses what these tests leave out.
    command.env("VETA_ENTORNO", "desarrollo");
    for name in remove {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("the server binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_line(stderr: &str, starts_with: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got:\n{stderr}");
    assert!(lines[0].starts_with(starts_with), "got: {}", lines[0]);
    assert!(!stderr.contains("panicked"));
}

#[test]
fn an_unreachable_database_is_one_line_without_the_password() {
    let (code, stderr) = run_server(
        &[
            ("DATABASE_URL", "postgres://veta:s3cr3t@127.0.0.1:1/veta"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_one_clear_line(&stderr, "error: no se pudo conectar a la base de datos");
    assert!(stderr.contains("postgres://veta:***@127.0.0.1:1/veta"));
    assert!(stderr.contains("DATABASE_URL"));
    assert!(!stderr.contains("s3cr3t"));
}

#[test]
fn a_port_in_use_is_one_line_that_names_the_setting() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = taken.local_addr().expect("a bound address").to_string();
    let (code, stderr) = run_server(
        &[
            ("DATABASE_URL", "postgres://veta@127.0.0.1:1/veta"),
            ("LEPTOS_SITE_ADDR", &addr),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_one_clear_line(
        &stderr,
        &format!("error: no se pudo abrir la dirección {addr}"),
    );
    assert!(stderr.contains("LEPTOS_SITE_ADDR"));
}

#[test]
fn a_missing_database_url_says_how_to_get_one() {
    let (code, stderr) = run_server(&[], &["DATABASE_URL"]);
    assert_eq!(code, Some(1));
    assert_one_clear_line(&stderr, "error: falta DATABASE_URL");
    assert!(stderr.contains("scripts/run"));
}

#[test]
fn a_bad_pool_size_names_the_variable() {
    let (code, stderr) = run_server(
        &[
            ("DATABASE_URL", "postgres://veta@127.0.0.1:1/veta"),
            ("DATABASE_MAX_CONNECTIONS", "muchas"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_one_clear_line(&stderr, "error: DATABASE_MAX_CONNECTIONS no es válida");
}

#[test]
fn production_refuses_the_development_sms_log_and_a_missing_key() {
    let base = [
        ("VETA_ENTORNO", "produccion"),
        ("DATABASE_URL", "postgres://veta@127.0.0.1:1/veta"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    let (code, stderr) = run_server(&base, &["VETA_SECRET_KEY", "SMS_GATEWAY"]);
    assert_eq!(code, Some(1));
    assert_one_clear_line(&stderr, "error: VETA_SECRET_KEY no es válida: falta");

    let with_key = [
        base[0],
        base[1],
        base[2],
        (
            "VETA_SECRET_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        ),
    ];
    let (code, stderr) = run_server(&with_key, &["SMS_GATEWAY"]);
    assert_eq!(code, Some(1));
    assert_one_clear_line(
        &stderr,
        "error: SMS_GATEWAY: en producción defina SMS_GATEWAY=http",
    );
    assert!(!stderr.contains("0011"), "the key never shows");

    let mut demo = with_key.to_vec();
    demo.push(("VETA_DEMO_DATA", "1"));
    let (code, stderr) = run_server(&demo, &["SMS_GATEWAY"]);
    assert_eq!(code, Some(1));
    assert_one_clear_line(&stderr, "error: VETA_DEMO_DATA no es válida");
}
