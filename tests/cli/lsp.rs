//! `imagegate lsp` driven over its standard input and output by a JSON-RPC client, as an
//! editor drives it (the Language Server Protocol 3.17's base protocol: `Content-Length`
//! framed JSON-RPC 2.0, <https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/>):
//! initialize, didOpen, publishDiagnostics, didChange (of a parameter file, changing its
//! template's diagnostics), codeAction (a fix), hover, shutdown and exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

/// A language server under test, and what it sends.
struct Client {
    child: Child,
    stdin: ChildStdin,
    received: Receiver<Value>,
    next_id: i64,
}

impl Client {
    /// `imagegate lsp` started in `dir`.
    fn start(dir: &Path) -> Client {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("imagegate"))
            .arg("lsp")
            .current_dir(dir)
            .env("IMAGEGATE_TODAY", "2026-11-28")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn imagegate lsp");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, received) = channel();
        std::thread::spawn(move || {
            loop {
                // Headers, then the body of `Content-Length` bytes.
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if stdout.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("JSON-RPC message");
                if send.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            received,
            next_id: 0,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's `result`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait(|m| m["id"] == id && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{response:#}");
        response["result"].clone()
    }

    /// The first message that `wanted` accepts (others are passed over), within 20 s.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .received
                .recv_timeout(left)
                .expect("the server answered in time");
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

#[test]
fn an_editor_gets_diagnostics_fixes_and_hovers_and_a_parameter_file_edit_reaches_its_template() {
    let repo = Repo::new();
    let root = repo.path().canonicalize().unwrap();
    let definition = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04";
    repo.write(
        "imagegate.toml",
        format!(
            "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n\n[[approved.image]]\nid = \"{definition}\"\nmin_version = \"1.4.0\"\ngallery_versions = [\"gallery/ubuntu.json\"]\n"
        ),
    );
    repo.write(
        "gallery/ubuntu.json",
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/rollout/lifecycle/gallery/ubuntu-22.04.json"
        ))
        .unwrap(),
    );
    let template = arm_template(
        r#""imageId": { "type": "string" }"#,
        "",
        &arm_vm("web-01", r#"{ "id": "[parameters('imageId')]" }"#, ""),
    );
    repo.write("app/azuredeploy.json", &template);
    let no_value = parameters_file("");
    repo.write("app/azuredeploy.parameters.json", &no_value);
    let template_uri = uri(&root.join("app/azuredeploy.json"));
    let params_uri = uri(&root.join("app/azuredeploy.parameters.json"));

    let mut client = Client::start(&root);
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    assert_eq!(init["serverInfo"]["name"], "imagegate");
    assert_eq!(init["capabilities"]["textDocumentSync"], 1);
    client.notify("initialized", json!({}));
    // The server asks to be told of changes to the files it reads.
    let registration = client.wait(|m| m["method"] == "client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert!(
        watchers
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["globPattern"] == "**/imagegate.toml"),
        "{registration:#}"
    );

    // The template alone: nobody sets `imageId` (IG002), said in the template.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": template_uri, "languageId": "json", "version": 1, "text": template}}),
    );
    let diagnostics = client.diagnostics(&template_uri);
    assert_eq!(codes(&diagnostics), ["IG002"], "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["source"], "imagegate");

    // Hover on it says what it is.
    let at = diagnostics[0]["range"]["start"].clone();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": template_uri}, "position": at}),
    );
    let said = hover["contents"]["value"].as_str().unwrap();
    assert!(said.contains("**IG002** unresolved-image"), "{said}");

    // The parameter file, opened and edited (unsaved) to set a deprecated version: the
    // template's IG002 is gone; the IG004 is where the version is written.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": params_uri, "languageId": "json", "version": 1, "text": no_value}}),
    );
    let edited = parameters_file(&format!(
        r#""imageId": {{ "value": "{definition}/versions/1.3.0" }}"#
    ));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": params_uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let (template_now, params_now) = loop {
        let t = client.diagnostics(&template_uri);
        let p = client.diagnostics(&params_uri);
        if codes(&p) == ["IG004"] {
            break (t, p);
        }
    };
    assert!(template_now.is_empty(), "{template_now:#?}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("app/azuredeploy.parameters.json")).unwrap(),
        no_value,
        "the buffer is judged, the file is not written"
    );

    // Its quick fix pins the newest good version of the snapshot, in the parameter file.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": params_uri}, "range": params_now[0]["range"], "context": {"diagnostics": params_now}}),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert!(
        action["title"]
            .as_str()
            .unwrap()
            .starts_with("Pin version 1.6.2"),
        "{action:#}"
    );
    let edits = action["edit"]["changes"][&params_uri].as_array().unwrap();
    assert_eq!(
        edits[0]["newText"],
        format!("\"{definition}/versions/1.6.2\"")
    );
    assert_eq!(edits[0]["range"], params_now[0]["range"]);

    // Hover on it says which entry approves the image, the version to pin and its end of life.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": params_uri}, "position": params_now[0]["range"]["start"]}),
    );
    let said = hover["contents"]["value"].as_str().unwrap();
    for line in [
        "**IG004** deprecated-image-version",
        "Quick fix: Pin version 1.6.2",
        "approved by `[approved] images` entry `/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*`",
        "newest good version (gallery snapshot): 1.6.2",
        "version 1.3.0 reaches its end of life on 2026-05-31",
    ] {
        assert!(said.contains(line), "{line}: {said}");
    }

    // The policy changes on disk (no lifecycle any more): told by the client's watcher, the
    // server reads it again, and the deprecated version is no longer reported.
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n",
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("imagegate.toml")), "type": 2}]}),
    );
    loop {
        if client.diagnostics(&params_uri).is_empty() {
            break;
        }
    }

    // Shutdown, then exit: the process ends, exit code 0.
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = client.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server exits");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// A multi-root workspace: each folder is judged with the config found in it, a document in
/// the folder that holds it; a folder removed from the workspace no longer judges its
/// documents (the first folder left does, with its own config).
#[test]
fn each_workspace_folder_judges_its_documents_with_its_own_config() {
    let repo = Repo::new();
    let root = repo.path().canonicalize().unwrap();
    // `lenient` approves Canonical's Marketplace images; `strict` keeps the default policy.
    repo.write(
        "lenient/imagegate.toml",
        "[approved]\nmarketplace = [\"Canonical:*:*\"]\n",
    );
    repo.write("strict/imagegate.toml", "");
    let marketplace = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;
    let template = arm_template("", "", &arm_vm("vm", marketplace, ""));
    repo.write("lenient/azuredeploy.json", &template);
    repo.write("strict/azuredeploy.json", &template);
    let lenient = uri(&root.join("lenient/azuredeploy.json"));
    let strict = uri(&root.join("strict/azuredeploy.json"));
    let folder = |name: &str| json!({"uri": uri(&root.join(name)), "name": name});

    let mut client = Client::start(&root);
    let init = client.request(
        "initialize",
        json!({"processId": null, "capabilities": {}, "workspaceFolders": [folder("strict"), folder("lenient")]}),
    );
    assert_eq!(
        init["capabilities"]["workspace"]["workspaceFolders"]["changeNotifications"], true,
        "{init:#}"
    );
    client.notify("initialized", json!({}));
    for uri in [&lenient, &strict] {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": template}}),
        );
    }
    // Both documents are judged in one run once the client is quiet; each is published.
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    while seen.len() < 2 {
        let m = client.wait(|m| m["method"] == "textDocument/publishDiagnostics");
        let codes = codes(m["params"]["diagnostics"].as_array().unwrap())
            .into_iter()
            .map(str::to_owned)
            .collect();
        seen.insert(m["params"]["uri"].as_str().unwrap().to_owned(), codes);
    }
    assert_eq!(seen[&strict], ["IG001"], "{seen:?}");
    assert!(seen[&lenient].is_empty(), "{seen:?}");

    // The lenient folder leaves the workspace: its document is judged by the strict one.
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [folder("lenient")]}}),
    );
    loop {
        if codes(&client.diagnostics(&lenient)) == ["IG001"] {
            break;
        }
    }
}
