//! A throwaway Orthanc PACS for tests: temporary storage, free ports on 127.0.0.1, a password
//! generated per run, the DICOMweb plugin, stopped when the value is dropped (also when the
//! test fails). Needs Debian's `orthanc` and `orthanc-dicomweb` packages; when they are missing
//! the test fails with a message naming them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test fixture

use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ORTHANC: &str = "/usr/sbin/Orthanc";
const DICOMWEB_PLUGIN: &str = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

/// User name of the throwaway PACS (its password is [`Orthanc::password`]).
pub const USER: &str = "echolab";
/// Orthanc's own AE title.
pub const ORTHANC_AET: &str = "ORTHANC";
/// The AE title Orthanc knows Echolab by.
pub const ECHOLAB_AET: &str = "ECHOLAB";

/// A running Orthanc.
pub struct Orthanc {
    child: Child,
    dir: tempfile::TempDir,
    /// HTTP port on 127.0.0.1.
    pub http_port: u16,
    /// DICOM port on 127.0.0.1.
    pub dicom_port: u16,
    /// The port Orthanc sends C-MOVE results to (Echolab's receiver, AE `ECHOLAB`).
    pub move_port: u16,
    /// Password of [`USER`], generated for this run.
    pub password: String,
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

fn random_password() -> String {
    use rand_core::{OsRng, RngCore};
    let mut b = [0u8; 18];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Orthanc {
    /// Starts Orthanc and waits until its REST API answers.
    pub fn start() -> Orthanc {
        for (path, package) in [(ORTHANC, "orthanc"), (DICOMWEB_PLUGIN, "orthanc-dicomweb")] {
            assert!(
                Path::new(path).exists(),
                "{path} not found: install the Debian package `{package}` \
                 (README: test set-up) to run the PACS tests"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let (http_port, dicom_port, move_port) = (free_port(), free_port(), free_port());
        let password = random_password();
        let config = serde_json::json!({
            "Name": "echolab-test-pacs",
            "StorageDirectory": dir.path().join("storage"),
            "IndexDirectory": dir.path().join("index"),
            "HttpPort": http_port,
            "DicomPort": dicom_port,
            "DicomAet": ORTHANC_AET,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": true,
            "RegisteredUsers": { USER: password },
            "Plugins": [DICOMWEB_PLUGIN],
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
            "DicomModalities": { "echolab": [ECHOLAB_AET, "127.0.0.1", move_port] },
            "DicomCheckCalledAet": true,
            "DicomAlwaysAllowEcho": true,
            "DicomAlwaysAllowStore": true,
            "SaveJobs": false,
            "StableAge": 1,
            "HttpCompressionEnabled": false
        });
        let config_path = dir.path().join("orthanc.json");
        std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let log = std::fs::File::create(dir.path().join("orthanc.log")).unwrap();
        let child = Command::new(ORTHANC)
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {ORTHANC}: {e}"));
        let mut pacs = Orthanc {
            child,
            dir,
            http_port,
            dicom_port,
            move_port,
            password,
        };
        pacs.wait_ready();
        pacs
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Orthanc exited ({status}) at start:\n{}", self.log_tail());
            }
            if self.get("/system").is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Orthanc did not answer within 60 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines Orthanc logged.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("orthanc.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Base URL of the REST API.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Base URL of the DICOMweb services.
    pub fn dicomweb_url(&self) -> String {
        format!("{}/dicom-web", self.url())
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(true)
            .build()
            .into()
    }

    fn auth(&self) -> String {
        use base64::Engine as _;
        let raw = format!("{USER}:{}", self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// GET on the REST API, as JSON.
    pub fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let mut resp = Self::agent()
            .get(format!("{}{path}", self.url()))
            .header("Authorization", self.auth())
            .call()
            .map_err(|e| e.to_string())?;
        let mut text = String::new();
        resp.body_mut()
            .as_reader()
            .read_to_string(&mut text)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    /// GET on the REST API, raw bytes.
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        let mut resp = Self::agent()
            .get(format!("{}{path}", self.url()))
            .header("Authorization", self.auth())
            .call()
            .unwrap();
        resp.body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap()
    }

    /// Uploads one DICOM file through the REST API; returns Orthanc's instance id.
    pub fn upload(&self, file: &Path) -> String {
        let bytes = std::fs::read(file).unwrap();
        let mut resp = Self::agent()
            .post(format!("{}/instances", self.url()))
            .header("Authorization", self.auth())
            .header("Content-Type", "application/dicom")
            .send(&bytes[..])
            .unwrap_or_else(|e| panic!("upload of {} failed: {e}", file.display()));
        let text = resp.body_mut().read_to_string().unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["ID"].as_str().unwrap_or_default().to_owned()
    }

    /// Uploads every file of `folder` (not recursive) that is a `.dcm`.
    pub fn upload_folder(&self, folder: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
            .collect();
        files.sort();
        for f in &files {
            self.upload(f);
        }
        files
    }

    /// Number of instances stored.
    pub fn instance_count(&self) -> usize {
        self.get("/instances")
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0)
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A misbehaving HTTP peer on 127.0.0.1: answers every request with the response `answer`
/// gives for its request line (`None`: accept and never answer). Stops with the test process.
pub struct FakePeer {
    /// Its port.
    pub port: u16,
}

impl FakePeer {
    /// Starts the peer.
    pub fn start(answer: impl Fn(&str) -> Option<Vec<u8>> + Send + 'static) -> FakePeer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buf = vec![0u8; 16384];
                let n = std::io::Read::read(&mut stream, &mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let line = request.lines().next().unwrap_or_default().to_owned();
                match answer(&line) {
                    Some(bytes) => {
                        let _ = std::io::Write::write_all(&mut stream, &bytes);
                    }
                    None => held.push(stream), // never answered
                }
            }
        });
        FakePeer { port }
    }

    /// Base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/dicom-web", self.port)
    }
}

/// An HTTP/1.1 response with `status`, `content_type` and `body` (connection closed after).
pub fn http_response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}
