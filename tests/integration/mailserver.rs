//! Private Dovecot (IMAP with IDLE, IMAPS, LMTP) and Postfix (SMTP with STARTTLS,
//! delivering to that Dovecot over LMTP) for one test: config, certificates, mail and
//! queue in a temp dir, loopback ports, stopped by pid when dropped.
//! Users (password "secret"): support@test.example, alice@customer.example,
//! bob@customer.example, and catchall@customer.example, which receives everything sent
//! outside the two test domains (nothing leaves the machine).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use attune::config::{
    AfterIngest, AuthMethod, DurationSpec, MailboxConfig, PasswordSource, Secret, SmtpConfig, TlsMode,
};
use tempfile::TempDir;

pub const PASSWORD: &str = "secret";
pub const SUPPORT: &str = "support@test.example";

pub struct MailServers {
    pub dir: TempDir,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub smtp_port: u16,
    /// One set of servers at a time: these tests measure "arrives within N seconds", and
    /// two of them (each with its Dovecot, Postfix and attune processes) on two cores
    /// make each other miss. Released after the servers stop.
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "{what} did not open port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl MailServers {
    pub fn start() -> MailServers {
        assert!(
            Path::new("/usr/sbin/dovecot").exists() && Path::new("/usr/sbin/postfix").exists(),
            "Dovecot and Postfix are needed: run ./tests/run, which installs them"
        );
        // SAFETY of the call: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc_geteuid() },
            0,
            "the mail tests run Dovecot and Postfix as root (mail uid 5000, postfix data dir)"
        );
        // A test that failed while holding it poisons it; the next one still runs.
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::Builder::new().prefix("attune-mail").tempdir().expect("temp dir");
        let d = dir.path().to_path_buf();
        set_mode(&d, 0o755);
        let s = MailServers {
            dir,
            imap_port: free_port(),
            imaps_port: free_port(),
            smtp_port: free_port(),
            _one_at_a_time: guard,
        };
        s.write_certs();
        s.write_dovecot();
        s.write_postfix();
        s.start_dovecot();
        run(Command::new("postfix").args(["-c", &s.path("postfix/etc"), "start"]), "postfix start");
        wait_for_port(s.smtp_port, "Postfix");
        s
    }

    pub fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).display().to_string()
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("certs/ca.pem")
    }

    fn write_certs(&self) {
        let c = self.dir.path().join("certs");
        std::fs::create_dir_all(&c).unwrap();
        let sh = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=attune test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile ext.cnf
chmod 644 *
"#;
        run(Command::new("sh").arg("-c").arg(sh).current_dir(&c), "making certificates");
    }

    fn write_dovecot(&self) {
        let d = self.dir.path().display().to_string();
        for sub in ["dovecot/run", "dovecot/state", "mail"] {
            std::fs::create_dir_all(self.dir.path().join(sub)).unwrap();
        }
        run(Command::new("chown").args(["5000:5000", &format!("{d}/mail")]), "chown mail");
        let users: String = [
            "support@test.example",
            "alice@customer.example",
            "bob@customer.example",
            "flaky@customer.example",
            "catchall@customer.example",
        ]
        .iter()
        .map(|u| format!("{u}:{{PLAIN}}{PASSWORD}::::::\n"))
        .collect();
        std::fs::write(self.dir.path().join("dovecot/users"), users).unwrap();
        let conf = format!(
            r#"base_dir = {d}/dovecot/run
state_dir = {d}/dovecot/state
instance_name = attune-{name}
listen = 127.0.0.1
protocols = imap lmtp
log_path = {d}/dovecot/dovecot.log
ssl = yes
ssl_cert = <{d}/certs/server.pem
ssl_key = <{d}/certs/server.key
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%d/%n/Maildir
mail_uid = 5000
mail_gid = 5000
first_valid_uid = 500
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/dovecot/users
}}
userdb {{
  driver = static
  args = uid=5000 gid=5000 home={d}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener {d}/dovecot/lmtp {{
    mode = 0666
  }}
}}
protocol lmtp {{
  auth_username_format = %Lu
}}
protocol imap {{
  mail_max_userip_connections = 500
}}
"#,
            name = self.dir.path().file_name().unwrap().to_string_lossy(),
            imap = self.imap_port,
            imaps = self.imaps_port,
        );
        std::fs::write(self.dir.path().join("dovecot/dovecot.conf"), conf).unwrap();
    }

    pub fn start_dovecot(&self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("dovecot/stderr.log"))
            .unwrap();
        // Dovecot keeps its caller's stderr open: give it a file, not our pipe.
        let status = Command::new("dovecot")
            .args(["-c", &self.path("dovecot/dovecot.conf")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .status()
            .expect("start dovecot");
        assert!(
            status.success(),
            "dovecot failed to start: {}",
            std::fs::read_to_string(self.dir.path().join("dovecot/dovecot.log")).unwrap_or_default()
        );
        wait_for_port(self.imap_port, "Dovecot");
    }

    /// Stops Dovecot the way an outage would: open sessions are cut, not finished.
    pub fn stop_dovecot(&self) {
        let _ = Command::new("doveadm")
            .args(["-c", &self.path("dovecot/dovecot.conf"), "kick", "*"])
            .stdin(Stdio::null())
            .output();
        kill_pidfile(&self.dir.path().join("dovecot/run/master.pid"));
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.imap_port)).is_ok() {
            assert!(start.elapsed() < Duration::from_secs(10), "Dovecot did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn write_postfix(&self) {
        let d = self.dir.path().display().to_string();
        for sub in ["postfix/etc", "postfix/queue", "postfix/data"] {
            std::fs::create_dir_all(self.dir.path().join(sub)).unwrap();
        }
        run(Command::new("chown").args(["postfix", &format!("{d}/postfix/data")]), "chown postfix data");
        let main = format!(
            r#"compatibility_level = 3.6
queue_directory = {d}/postfix/queue
data_directory = {d}/postfix/data
mail_owner = postfix
myhostname = mx.test.example
mydomain = test.example
myorigin = test.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_peername_lookup = no
alias_maps =
alias_database =
maillog_file = {d}/postfix/maillog
maillog_file_prefixes = /var, /dev/stdout, {d}
virtual_mailbox_domains = test.example customer.example
virtual_transport = lmtp:unix:{d}/dovecot/lmtp
virtual_alias_domains =
virtual_alias_maps = regexp:{d}/postfix/etc/virtual_regexp
default_transport = error:mail to the outside world is disabled in tests
relay_transport = error:mail to the outside world is disabled in tests
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:{d}/postfix/etc/recipient_access, permit_mynetworks, reject_unauth_destination
smtpd_tls_security_level = may
smtpd_tls_cert_file = {d}/certs/server.pem
smtpd_tls_key_file = {d}/certs/server.key
smtp_tls_security_level = none
lmtp_tls_security_level = none
biff = no
"#
        );
        std::fs::write(self.dir.path().join("postfix/etc/main.cf"), main).unwrap();
        std::fs::write(
            self.dir.path().join("postfix/etc/virtual_regexp"),
            "/^(.+@(test|customer)\\.example)$/ ${1}\n/^.*$/ catchall@customer.example\n",
        )
        .unwrap();
        std::fs::write(self.dir.path().join("postfix/etc/recipient_access"), "").unwrap();
        let services = [
            "pickup    unix  n       -       n       60      1       pickup",
            "cleanup   unix  n       -       n       -       0       cleanup",
            "qmgr      unix  n       -       n       300     1       qmgr",
            "tlsmgr    unix  -       -       n       1000?   1       tlsmgr",
            "rewrite   unix  -       -       n       -       -       trivial-rewrite",
            "bounce    unix  -       -       n       -       0       bounce",
            "defer     unix  -       -       n       -       0       bounce",
            "trace     unix  -       -       n       -       0       bounce",
            "verify    unix  -       -       n       -       1       verify",
            "flush     unix  n       -       n       1000?   0       flush",
            "proxymap  unix  -       -       n       -       -       proxymap",
            "proxywrite unix -       -       n       -       1       proxymap",
            "smtp      unix  -       -       n       -       -       smtp",
            "relay     unix  -       -       n       -       -       smtp",
            "showq     unix  n       -       n       -       -       showq",
            "error     unix  -       -       n       -       -       error",
            "retry     unix  -       -       n       -       -       error",
            "discard   unix  -       -       n       -       -       discard",
            "lmtp      unix  -       -       n       -       -       lmtp",
            "anvil     unix  -       -       n       -       1       anvil",
            "scache    unix  -       -       n       -       1       scache",
            "postlog   unix-dgram n  -       n       -       1       postlogd",
        ];
        let master = format!("127.0.0.1:{} inet n - n - - smtpd\n{}\n", self.smtp_port, services.join("\n"));
        std::fs::write(self.dir.path().join("postfix/etc/master.cf"), master).unwrap();
    }

    /// Per-recipient answers Postfix gives at RCPT TO ("flaky@customer.example 451 4.3.0 …").
    pub fn set_recipient_access(&self, table: &str) {
        std::fs::write(self.dir.path().join("postfix/etc/recipient_access"), table).unwrap();
        run(Command::new("postfix").args(["-c", &self.path("postfix/etc"), "reload"]), "postfix reload");
        std::thread::sleep(Duration::from_millis(300));
    }

    pub fn maildir(&self, user: &str) -> PathBuf {
        let (local, domain) = user.split_once('@').unwrap();
        self.dir.path().join("mail").join(domain).join(local).join("Maildir")
    }

    /// Message files in a user's INBOX (new and cur).
    pub fn messages(&self, user: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.maildir(user).join(sub)) {
                out.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        }
        out.sort();
        out
    }

    pub fn wait_for_messages(&self, user: &str, n: usize, timeout: Duration) -> Vec<PathBuf> {
        let start = Instant::now();
        loop {
            let m = self.messages(user);
            if m.len() >= n {
                return m;
            }
            assert!(
                start.elapsed() < timeout,
                "{user} has {} messages, expected {n}; maillog:\n{}",
                m.len(),
                self.maillog_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn maillog_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("postfix/maillog")).unwrap_or_default();
        log.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// Sends raw mail into Postfix as a customer would.
    pub fn send(&self, from: &str, to: &[&str], raw: &str) {
        self.send_many(&[(from.to_string(), to.iter().map(|t| t.to_string()).collect(), raw.to_string())]);
    }

    /// Sends many messages over one SMTP session (a plain client: EHLO, MAIL, RCPT, DATA).
    pub fn send_many(&self, mails: &[(String, Vec<String>, String)]) {
        use std::io::{BufRead, BufReader, Write};
        let stream = std::net::TcpStream::connect(("127.0.0.1", self.smtp_port)).expect("connect to postfix");
        stream.set_nodelay(true).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut w = stream;
        let expect = |reader: &mut BufReader<std::net::TcpStream>, code: &str| {
            let mut line = String::new();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                assert!(
                    line.starts_with(code),
                    "postfix said {line:?}, expected {code}; maillog:\n{}",
                    self.maillog_tail()
                );
                if line.as_bytes().get(3) != Some(&b'-') {
                    break;
                }
            }
        };
        expect(&mut reader, "220");
        w.write_all(b"EHLO client.customer.example\r\n").unwrap();
        expect(&mut reader, "250");
        for (from, to, raw) in mails {
            w.write_all(format!("MAIL FROM:<{from}>\r\n").as_bytes()).unwrap();
            expect(&mut reader, "250");
            for t in to {
                w.write_all(format!("RCPT TO:<{t}>\r\n").as_bytes()).unwrap();
                expect(&mut reader, "250");
            }
            w.write_all(b"DATA\r\n").unwrap();
            expect(&mut reader, "354");
            let body: String = raw
                .replace("\r\n", "\n")
                .lines()
                .map(|l| if l.starts_with('.') { format!(".{l}\r\n") } else { format!("{l}\r\n") })
                .collect();
            w.write_all(body.as_bytes()).unwrap();
            w.write_all(b".\r\n").unwrap();
            expect(&mut reader, "250");
        }
        w.write_all(b"QUIT\r\n").unwrap();
    }

    pub fn mailbox(&self, name: &str, user: &str, tls: TlsMode) -> MailboxConfig {
        MailboxConfig {
            name: name.into(),
            host: "127.0.0.1".into(),
            port: if tls == TlsMode::Tls { self.imaps_port } else { self.imap_port },
            tls,
            allow_insecure: false,
            username: user.into(),
            password: PasswordSource { password: Some(Secret::new(PASSWORD)), password_env: None, password_file: None },
            auth: AuthMethod::Password,
            folder: "INBOX".into(),
            after_ingest: AfterIngest::Keep,
            ca_file: Some(self.ca_file()),
            address: None,
            display_name: None,
            idle: true,
            poll_interval: DurationSpec::parse("2s").unwrap(),
            idle_renew: DurationSpec::parse("25m").unwrap(),
            batch_size: 50,
            connect_timeout: DurationSpec::parse("5s").unwrap(),
            command_timeout: DurationSpec::parse("20s").unwrap(),
            lease: DurationSpec::parse("30s").unwrap(),
            sent_folder: None,
            save_sent: None,
        }
    }

    pub fn smtp(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.smtp_port,
            tls: TlsMode::None,
            allow_insecure: false,
            username: None,
            password: PasswordSource::default(),
            ca_file: None,
            timeout: DurationSpec::parse("10s").unwrap(),
            helo_name: Some("attune.test.example".into()),
        }
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        let _ = Command::new("postfix").args(["-c", &self.path("postfix/etc"), "stop"]).stdin(Stdio::null()).output();
        kill_pidfile(&self.dir.path().join("postfix/queue/pid/master.pid"));
        kill_pidfile(&self.dir.path().join("dovecot/run/master.pid"));
    }
}

fn kill_pidfile(path: &Path) {
    if let Ok(pid) = std::fs::read_to_string(path) {
        let _ = Command::new("kill").arg(pid.trim()).stdin(Stdio::null()).output();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// A mailbox config for a server that is not Dovecot (a silent port, say).
pub fn dummy_mailbox(port: u16) -> MailboxConfig {
    MailboxConfig {
        name: "silent".into(),
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        allow_insecure: false,
        username: "x".into(),
        password: PasswordSource { password: Some(Secret::new("x")), password_env: None, password_file: None },
        auth: AuthMethod::Password,
        folder: "INBOX".into(),
        after_ingest: AfterIngest::Keep,
        ca_file: None,
        address: None,
        display_name: None,
        idle: true,
        poll_interval: DurationSpec::parse("2s").unwrap(),
        idle_renew: DurationSpec::parse("25m").unwrap(),
        batch_size: 50,
        connect_timeout: DurationSpec::parse("5s").unwrap(),
        command_timeout: DurationSpec::parse("20s").unwrap(),
        lease: DurationSpec::parse("30s").unwrap(),
        sent_folder: None,
        save_sent: None,
    }
}
