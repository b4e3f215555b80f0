//! `imagegate lsp`: a Language Server over standard input and output (JSON-RPC, as the
//! Language Server Protocol 3.17 frames it), built on `lsp-server` as rust-analyzer is.
//!
//! One [`Workspace`] lives as long as the server for each of the client's workspace folders
//! (a multi-root workspace has several; folders added or removed later are followed), rooted
//! there with the config found there: a document is judged in the folder that holds it (the
//! innermost, when folders nest; the first, when none does). Every open ARM template, parameter file, Bicep file and
//! `.bicepparam` is laid over its file as an unsaved buffer, and the open files are judged
//! together as a named-file run (the project graph judges what reaches them: a parameter
//! file's template, a module's callers), so an edit to a parameter file changes the
//! diagnostics of the template it gives values to. Judging waits until the client has been
//! quiet for [`QUIET`] (typing is coalesced), and a request that needs fresh results judges
//! first. A run under way when the user types again is cancelled (it stops at the next file
//! and publishes nothing; a request that waited on it is answered `ContentModified`, as the
//! protocol asks), and the next run starts from the new text. The workspace remembers what
//! each run read and judged of each file ([`Workspace::remembering`]), so an edit judges again
//! only what reads the edited buffers.
//!
//! What the server offers: diagnostics (every finding that counts, with its related places),
//! code actions from the fixes (`check --fix`'s edits), hover on a finding or a judged
//! resource. When a file changes on disk (`imagegate.toml`, a gallery snapshot, a
//! `bicepconfig.json`, a template: the client watches them for the server), the config is read
//! again and the workspace made anew.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, FileSystemWatcher, GlobPattern, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, MarkupContent,
    MarkupKind, NumberOrString, OneOf, Position, PublishDiagnosticsParams, Range, Registration,
    RegistrationParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};

use super::{Exit, Failure, Io};
use crate::config::Config;
use crate::findings::{Finding, Location};
use crate::report::Report;
use crate::rules::Severity;
use crate::walk::WalkOptions;
use crate::workspace::Workspace;

/// How long the client must be quiet before open files are judged again.
const QUIET: Duration = Duration::from_millis(20);

/// The files whose change makes the server read the config again.
const CONFIG_FILES: [&str; 2] = ["imagegate.toml", ".imagegate.toml"];

/// `imagegate lsp`: serves on the process's standard input and output until the client
/// exits. Notes go to standard error (the client's log).
pub(super) fn lsp(io: &mut Io<'_>) -> Result<Exit, Failure> {
    let (connection, threads) = Connection::stdio();
    let result = serve(&connection, io);
    drop(connection);
    let _ = threads.join();
    match result {
        Ok(()) => Ok(Exit::Success),
        Err(e) => {
            io.say(&format!("error: the language server stopped: {e}"));
            Ok(Exit::Error)
        }
    }
}

/// The server's session on `connection`: the initialize handshake, then the main loop.
fn serve(connection: &Connection, io: &mut Io<'_>) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        workspace: Some(lsp_types::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp_types::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "imagegate".into(),
            version: Some(env!("IMAGEGATE_VERSION").into()),
        },
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut roots = roots_of(&params);
    if roots.is_empty() {
        roots.push(io.cwd.clone());
    }
    let watches = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let mut server = Server::new(connection, roots, io)?;
    if watches {
        server.watch_config()?;
    }
    server.run()
}

/// The folders the client works in: its workspace folders, else its root URI.
#[allow(deprecated)] // `root_uri` is what older clients send.
fn roots_of(params: &InitializeParams) -> Vec<PathBuf> {
    match params.workspace_folders.as_deref() {
        Some(folders) if !folders.is_empty() => {
            folders.iter().filter_map(|f| path_of(&f.uri)).collect()
        }
        _ => params.root_uri.iter().filter_map(path_of).collect(),
    }
}

/// One workspace folder of the client, and what was last found there.
struct Folder {
    /// Where it is: paths are shown relative to it, the config is found from it.
    root: PathBuf,
    /// Its workspace, `None` while its config cannot be used (what is wrong was shown).
    workspace: Option<Workspace>,
    /// The last report on its open documents.
    report: Option<Report>,
}

impl Folder {
    /// The folder at `root`, not yet loaded.
    fn new(root: PathBuf) -> Folder {
        Folder {
            root,
            workspace: None,
            report: None,
        }
    }

    /// Each finding of the last report with the path of the file it is located in.
    fn findings(&self) -> impl Iterator<Item = (PathBuf, &Finding)> {
        self.report
            .iter()
            .flat_map(|r| &r.findings)
            .map(|f| (self.root.join(&*f.location.path), f))
    }
}

/// One open document.
struct Document {
    /// Its URI, as the client gave it.
    uri: Uri,
    /// The version the client gave its text.
    version: i32,
}

/// The server's state.
struct Server<'c, 'io, 'w> {
    connection: &'c Connection,
    /// The client's messages, as the pump thread forwards them ([`pump`]).
    inbox: crossbeam::Receiver<Message>,
    /// Set by the pump when a document changes: the run under way, if any, stops.
    cancel: Arc<AtomicBool>,
    io: &'io mut Io<'w>,
    /// The workspace folders, each with its workspace (never empty).
    folders: Vec<Folder>,
    /// The open documents the server judges, by path.
    documents: BTreeMap<PathBuf, Document>,
    /// Every open document's text, by path (laid over the files again when the workspace is
    /// made anew).
    texts: BTreeMap<PathBuf, String>,
    /// Whether the open documents changed since they were last judged.
    dirty: bool,
    /// The files diagnostics were last published for.
    published: BTreeSet<PathBuf>,
    /// The next id of a request the server sends.
    next_id: i32,
}

impl<'c, 'io, 'w> Server<'c, 'io, 'w> {
    fn new(
        connection: &'c Connection,
        roots: Vec<PathBuf>,
        io: &'io mut Io<'w>,
    ) -> Result<Server<'c, 'io, 'w>, String> {
        let cancel = Arc::new(AtomicBool::new(false));
        let mut server = Server {
            connection,
            inbox: pump(connection.receiver.clone(), Arc::clone(&cancel))?,
            cancel,
            io,
            folders: roots.into_iter().map(Folder::new).collect(),
            documents: BTreeMap::new(),
            texts: BTreeMap::new(),
            dirty: false,
            published: BTreeSet::new(),
            next_id: 0,
        };
        server.load()?;
        Ok(server)
    }

    /// Reads each folder's config and makes its workspace anew, with the open documents it
    /// holds laid over their files; a config that cannot be used is shown to the user, and
    /// nothing in its folder is judged until it can be.
    fn load(&mut self) -> Result<(), String> {
        let today = self.io.today().map_err(|e| e.to_string());
        let mut problems = Vec::new();
        for i in 0..self.folders.len() {
            let root = self.folders[i].root.clone();
            let made = today.clone().and_then(|today| {
                let mut config = Config::discover(None, std::slice::from_ref(&root), &root)
                    .map_err(|e| e.to_string())?;
                config.set_today(today);
                Workspace::new(config, root.clone(), 0)
                    .map(Workspace::remembering)
                    .map_err(|e| e.to_string())
            });
            let workspace = match made {
                Ok(mut workspace) => {
                    for (path, text) in &self.texts {
                        if self.folder_of(path) == i {
                            let _ = workspace.set_overlay(path, text.clone());
                        }
                    }
                    Some(workspace)
                }
                Err(e) => {
                    problems.push(e);
                    None
                }
            };
            let folder = &mut self.folders[i];
            folder.workspace = workspace;
            folder.report = None;
        }
        for e in problems {
            self.show(lsp_types::MessageType::ERROR, &format!("imagegate: {e}"))?;
        }
        self.dirty = true;
        Ok(())
    }

    /// The folder that holds the file at `path`: the innermost whose root it lies under,
    /// else the first.
    fn folder_of(&self, path: &Path) -> usize {
        self.folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.root))
            .max_by_key(|(_, f)| f.root.components().count())
            .map_or(0, |(i, _)| i)
    }

    /// The workspace of the folder that holds the file at `path`, if it can be used.
    fn workspace_of(&mut self, path: &Path) -> Option<&mut Workspace> {
        let i = self.folder_of(path);
        self.folders[i].workspace.as_mut()
    }

    /// Asks the client to tell when a file the runs read changes on disk: a config file, a
    /// gallery snapshot, a `bicepconfig.json`, a template or parameter file (created, saved
    /// by another program, deleted). Each change makes the workspace anew (config, snapshots
    /// and what the graph read of files, all read again).
    fn watch_config(&mut self) -> Result<(), String> {
        let watchers = CONFIG_FILES
            .iter()
            .map(|name| format!("**/{name}"))
            .chain(std::iter::once(format!(
                "**/*.{{{}}}",
                crate::frontend::named_extensions().join(",")
            )))
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "imagegate-config".into(),
                method: lsp_types::notification::DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_id += 1;
        let request = Request::new(
            RequestId::from(self.next_id),
            lsp_types::request::RegisterCapability::METHOD.into(),
            params,
        );
        self.send(Message::Request(request))
    }

    /// The main loop: messages until `exit`; open documents are judged once the client is
    /// quiet.
    fn run(&mut self) -> Result<(), String> {
        loop {
            let message = if self.dirty {
                match self.inbox.recv_timeout(QUIET) {
                    Ok(message) => Some(message),
                    Err(crossbeam::RecvTimeoutError::Timeout) => None,
                    Err(crossbeam::RecvTimeoutError::Disconnected) => return Ok(()),
                }
            } else {
                match self.inbox.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                }
            };
            match message {
                None => {
                    self.judge()?;
                }
                Some(Message::Request(request)) => {
                    if request.method == lsp_types::request::Shutdown::METHOD {
                        let response = Response::new_ok(request.id, ());
                        self.send(Message::Response(response))?;
                        return self.await_exit();
                    }
                    self.request(request)?;
                }
                Some(Message::Notification(notification)) => {
                    if notification.method == lsp_types::notification::Exit::METHOD {
                        return Ok(());
                    }
                    self.notification(notification)?;
                }
                Some(Message::Response(_)) => {}
            }
        }
    }

    /// After `shutdown`: waits for `exit`, answering any other request with an error (the
    /// protocol's `InvalidRequest`).
    fn await_exit(&mut self) -> Result<(), String> {
        while let Ok(message) = self.inbox.recv() {
            match message {
                Message::Notification(n) if n.method == lsp_types::notification::Exit::METHOD => {
                    break;
                }
                Message::Request(request) => {
                    let response = Response::new_err(
                        request.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".into(),
                    );
                    self.send(Message::Response(response))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Answers `request`.
    fn request(&mut self, request: Request) -> Result<(), String> {
        use lsp_types::request::{CodeActionRequest, HoverRequest};
        // A request about documents changed since the last run waits for a run over the new
        // texts; when the user types again before it ends, the answer would be about texts
        // gone: the protocol's `ContentModified` says so (the client asks again).
        let modified = |id: RequestId| {
            Response::new_err(
                id,
                ErrorCode::ContentModified as i32,
                "the document changed while it was being judged".into(),
            )
        };
        let response = match request.method.as_str() {
            CodeActionRequest::METHOD => {
                let params: CodeActionParams = parse(request.params)?;
                if self.fresh()? {
                    let actions = self.code_actions(&params);
                    Response::new_ok(request.id, actions)
                } else {
                    modified(request.id)
                }
            }
            HoverRequest::METHOD => {
                let params: HoverParams = parse(request.params)?;
                if self.fresh()? {
                    Response::new_ok(request.id, self.hover(&params))
                } else {
                    modified(request.id)
                }
            }
            _ => Response::new_err(
                request.id,
                ErrorCode::MethodNotFound as i32,
                format!("imagegate does not answer {}", request.method),
            ),
        };
        self.send(Message::Response(response))
    }

    /// Takes in `notification`.
    fn notification(&mut self, notification: Notification) -> Result<(), String> {
        use lsp_types::notification::{
            DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
            DidOpenTextDocument, DidSaveTextDocument,
        };
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let params: DidOpenTextDocumentParams = parse(notification.params)?;
                let doc = params.text_document;
                self.update(doc.uri, doc.version, doc.text);
            }
            DidChangeTextDocument::METHOD => {
                let params: DidChangeTextDocumentParams = parse(notification.params)?;
                // Full synchronisation: the last change is the whole text.
                if let Some(change) = params.content_changes.into_iter().last() {
                    let doc = params.text_document;
                    self.update(doc.uri, doc.version, change.text);
                }
            }
            DidCloseTextDocument::METHOD => {
                let params: DidCloseTextDocumentParams = parse(notification.params)?;
                if let Some(path) = path_of(&params.text_document.uri) {
                    self.documents.remove(&path);
                    self.texts.remove(&path);
                    if let Some(w) = self.workspace_of(&path) {
                        w.remove_overlay(&path);
                    }
                    self.dirty = true;
                }
            }
            DidSaveTextDocument::METHOD => {
                let params: lsp_types::DidSaveTextDocumentParams = parse(notification.params)?;
                if path_of(&params.text_document.uri).is_some_and(|p| is_config(&p)) {
                    self.load()?;
                } else {
                    // A file on disk changed: what was read and judged of files is read again
                    // (in every folder: one may read another's files).
                    for w in self.folders.iter().filter_map(|f| f.workspace.as_ref()) {
                        w.forget();
                    }
                    self.dirty = true;
                }
            }
            DidChangeWatchedFiles::METHOD => self.load()?,
            lsp_types::notification::DidChangeWorkspaceFolders::METHOD => {
                let params: lsp_types::DidChangeWorkspaceFoldersParams =
                    parse(notification.params)?;
                let removed: Vec<PathBuf> = params
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| path_of(&f.uri))
                    .collect();
                self.folders.retain(|f| !removed.contains(&f.root));
                for added in params.event.added.iter().filter_map(|f| path_of(&f.uri)) {
                    if !self.folders.iter().any(|f| f.root == added) {
                        self.folders.push(Folder::new(added));
                    }
                }
                if self.folders.is_empty() {
                    self.folders.push(Folder::new(self.io.cwd.clone()));
                }
                // The documents' folders may have changed: every folder is made anew.
                self.load()?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The open document at `uri` now holds `text`.
    fn update(&mut self, uri: Uri, version: i32, text: String) {
        let Some(path) = path_of(&uri) else {
            return;
        };
        let judged = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            crate::frontend::named_extensions().contains(&e.to_ascii_lowercase().as_str())
        });
        if !judged {
            return;
        }
        if let Some(w) = self.workspace_of(&path)
            && w.set_overlay(&path, text.clone()).is_err()
        {
            // Not on disk (yet): nothing to judge it as.
            return;
        }
        self.texts.insert(path.clone(), text);
        self.documents.insert(path, Document { uri, version });
        self.dirty = true;
    }

    /// Judges the open documents now if they changed; false when the run was cancelled (they
    /// changed again meanwhile).
    fn fresh(&mut self) -> Result<bool, String> {
        if self.dirty {
            return self.judge();
        }
        Ok(true)
    }

    /// Judges the open documents together and publishes what is found, file by file; false
    /// (nothing published, the documents still to judge) when a change cancelled the run.
    fn judge(&mut self) -> Result<bool, String> {
        self.dirty = false;
        // A change the pump saw before this run began is already taken in: the messages
        // before it were all read (the inbox was quiet, or a request is being answered).
        self.cancel.store(false, Ordering::SeqCst);
        // Every folder's open documents, judged in its workspace; a cancelled run leaves every
        // folder's last report as it was.
        let mut reports = Vec::with_capacity(self.folders.len());
        for (i, folder) in self.folders.iter().enumerate() {
            let roots: Vec<PathBuf> = self
                .documents
                .keys()
                .filter(|p| self.folder_of(p) == i)
                .cloned()
                .collect();
            let report = match &folder.workspace {
                Some(workspace) if !roots.is_empty() => {
                    let options = WalkOptions {
                        roots,
                        ..WalkOptions::default()
                    };
                    let detail = crate::findings::Detail { excerpts: false };
                    match workspace.check_unless(&options, detail, &self.cancel) {
                        Ok(Some(report)) => Some(report),
                        Ok(None) => {
                            self.dirty = true;
                            return Ok(false);
                        }
                        Err(e) => {
                            self.io.say(&format!("error: {e}"));
                            None
                        }
                    }
                }
                _ => None,
            };
            reports.push(report);
        }
        for (folder, report) in self.folders.iter_mut().zip(reports) {
            folder.report = report;
        }
        let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        for folder in &self.folders {
            for (path, f) in folder.findings() {
                if f.suppression.is_none() {
                    let diagnostic = self.diagnostic(f, &folder.root);
                    by_file.entry(path).or_default().push(diagnostic);
                }
            }
        }
        // Files published before and clean now are cleared; every open document is told
        // it was judged (an empty list for a clean one).
        for path in std::mem::take(&mut self.published) {
            by_file.entry(path).or_default();
        }
        for path in self.documents.keys() {
            by_file.entry(path.clone()).or_default();
        }
        for (path, diagnostics) in by_file {
            let Some(uri) = self.uri_of(&path) else {
                continue;
            };
            if !diagnostics.is_empty() {
                self.published.insert(path.clone());
            }
            let version = self.documents.get(&path).map(|d| d.version);
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            self.notify::<lsp_types::notification::PublishDiagnostics>(params)?;
        }
        Ok(true)
    }

    /// The URI of `path`: the open document's, else one made from the path.
    fn uri_of(&self, path: &Path) -> Option<Uri> {
        match self.documents.get(path) {
            Some(doc) => Some(doc.uri.clone()),
            None => uri_of(path),
        }
    }

    /// The diagnostic of finding `f`, of the folder at `root`.
    fn diagnostic(&self, f: &Finding, root: &Path) -> Diagnostic {
        let related = f
            .related
            .iter()
            .filter_map(|r| {
                Some(DiagnosticRelatedInformation {
                    location: lsp_types::Location {
                        uri: self.uri_of(&root.join(&*r.location.path))?,
                        range: range(&r.location),
                    },
                    message: r.message.to_string(),
                })
            })
            .collect::<Vec<_>>();
        let message = match &f.help {
            Some(help) => format!("{}\nFix: {help}", f.message),
            None => f.message.clone(),
        };
        Diagnostic {
            range: range(&f.location),
            severity: Some(match f.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Note => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(f.rule.id().into())),
            source: Some("imagegate".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        }
    }

    /// The code actions at `params`' range: the fix of each finding there that has one.
    fn code_actions(&self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Vec::new();
        };
        let mut actions = Vec::new();
        for folder in &self.folders {
            for (at, f) in folder.findings() {
                let Some(fix) = f.fix.as_ref().filter(|_| f.suppression.is_none()) else {
                    continue;
                };
                if at != path || !overlaps(&range(&f.location), &params.range) {
                    continue;
                }
                // `WorkspaceEdit::changes` is keyed by URI, as lsp-types declares it (its URI
                // type caches its parse: never changed while a key here).
                #[allow(clippy::mutable_key_type)]
                let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = Default::default();
                for edit in &fix.edits {
                    let Some(uri) = self.uri_of(&folder.root.join(&*edit.location.path)) else {
                        continue;
                    };
                    changes.entry(uri).or_default().push(TextEdit {
                        range: range(&edit.location),
                        new_text: edit.replacement.clone(),
                    });
                }
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![self.diagnostic(f, &folder.root)]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(changes),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(true),
                    ..CodeAction::default()
                }));
            }
        }
        actions
    }

    /// What is said on hovering `params`' position: the findings there, else the judged
    /// resource declared on its line.
    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let path = path_of(&at.text_document.uri)?;
        let folder = &self.folders[self.folder_of(&path)];
        let report = folder.report.as_ref()?;
        let here = |l: &Location| folder.root.join(&*l.path) == path;
        let point = Range {
            start: at.position,
            end: at.position,
        };
        let mut parts: Vec<String> = report
            .findings
            .iter()
            .filter(|f| here(&f.location) && overlaps(&range(&f.location), &point))
            .map(|f| {
                let mut text = format!("**{}** {}: {}", f.rule.id(), f.rule.name(), f.message);
                if let Some(help) = &f.help {
                    text.push_str(&format!("\n\nFix: {help}"));
                }
                if let Some(fix) = &f.fix {
                    text.push_str(&format!("\n\nQuick fix: {}", fix.title));
                } else if let Some(why) = &f.no_fix {
                    text.push_str(&format!("\n\nNo automatic fix: {why}"));
                }
                for line in explain(folder, f.image.iter().map(|i| &**i)) {
                    text.push_str(&format!("\n\n{line}"));
                }
                if let Some(s) = &f.suppression {
                    text.push_str(&format!(
                        "\n\nExempted: {}",
                        s.justification.as_deref().unwrap_or("no reason given")
                    ));
                }
                text
            })
            .collect();
        if parts.is_empty() {
            let line = at.position.line + 1;
            parts = report
                .resources
                .iter()
                .filter(|r| folder.root.join(&*r.path) == path && r.line == line)
                .map(|r| {
                    let mut text = format!(
                        "imagegate: `{}` '{}' is **{}**; image: {}",
                        r.resource_type,
                        r.name,
                        r.status.as_str(),
                        r.image.as_deref().unwrap_or("none found")
                    );
                    for line in explain(folder, r.images.iter().map(|i| &**i)) {
                        text.push_str(&format!("\n\n{line}"));
                    }
                    text
                })
                .collect();
        }
        (!parts.is_empty()).then(|| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: None,
        })
    }

    /// Shows `message` to the user.
    fn show(&mut self, typ: lsp_types::MessageType, message: &str) -> Result<(), String> {
        self.notify::<lsp_types::notification::ShowMessage>(lsp_types::ShowMessageParams {
            typ,
            message: message.to_owned(),
        })
    }

    /// Sends the notification `N` with `params`.
    fn notify<N: lsp_types::notification::Notification>(
        &mut self,
        params: N::Params,
    ) -> Result<(), String> {
        self.send(Message::Notification(Notification::new(
            N::METHOD.into(),
            params,
        )))
    }

    fn send(&mut self, message: Message) -> Result<(), String> {
        self.connection
            .sender
            .send(message)
            .map_err(|e| e.to_string())
    }
}

/// What the policy of `folder` says of each gallery image of `images` whose ID is known: the
/// entry that approves it, the newest good version, its version's end of life.
fn explain<'r>(
    folder: &Folder,
    images: impl Iterator<Item = &'r crate::findings::ImageRef>,
) -> Vec<String> {
    let Some(workspace) = &folder.workspace else {
        return Vec::new();
    };
    images
        .filter_map(|i| match &i.parts {
            crate::findings::ImageParts::ComputeGallery { id: Some(id), .. } => Some(id),
            _ => None,
        })
        .flat_map(|id| workspace.config().policy.explain(id))
        .collect()
}

/// Forwards the client's messages from `receiver` to the returned inbox on a thread of its
/// own, setting `cancel` whenever one changes what is judged (a document opened, changed or
/// closed, a file saved or changed on disk): a run under way then stops, while the main loop
/// is still busy with it.
fn pump(
    receiver: crossbeam::Receiver<Message>,
    cancel: Arc<AtomicBool>,
) -> Result<crossbeam::Receiver<Message>, String> {
    use lsp_types::notification::{
        DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
        DidSaveTextDocument,
    };
    let (sender, inbox) = crossbeam::unbounded();
    let forward = move || {
        for message in receiver {
            if let Message::Notification(n) = &message
                && matches!(
                    n.method.as_str(),
                    DidOpenTextDocument::METHOD
                        | DidChangeTextDocument::METHOD
                        | DidCloseTextDocument::METHOD
                        | DidSaveTextDocument::METHOD
                        | DidChangeWatchedFiles::METHOD
                )
            {
                cancel.store(true, Ordering::SeqCst);
            }
            if sender.send(message).is_err() {
                break;
            }
        }
    };
    std::thread::Builder::new()
        .name("imagegate-lsp-inbox".into())
        .spawn(forward)
        .map_err(|e| format!("cannot start the thread reading the client: {e}"))?;
    Ok(inbox)
}

/// `params` read as `T`.
fn parse<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("bad parameters: {e}"))
}

/// Whether `path` is a config file.
fn is_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CONFIG_FILES.contains(&n))
}

/// The LSP range of `l` (0-based lines, UTF-16 columns, as LSP counts by default).
fn range(l: &Location) -> Range {
    Range {
        start: Position {
            line: l.line.saturating_sub(1),
            character: l.column_utf16.saturating_sub(1),
        },
        end: Position {
            line: l.end_line.saturating_sub(1),
            character: l.end_column_utf16.saturating_sub(1),
        },
    }
}

/// Whether ranges `a` and `b` share a position (touching counts: a cursor at either end).
fn overlaps(a: &Range, b: &Range) -> bool {
    let before = |x: &Position, y: &Position| (x.line, x.character) < (y.line, y.character);
    !before(&a.end, &b.start) && !before(&b.end, &a.start)
}

/// The path a `file:` URI names, as this system writes paths (see [`file_path`]).
fn path_of(uri: &Uri) -> Option<PathBuf> {
    file_path(uri.as_str(), cfg!(windows)).map(PathBuf::from)
}

/// The path the `file:` URI `text` names: `file:///path` (or `file://localhost/path`)
/// percent-decoded; on Windows (`windows`), `file:///C:/x` and VS Code's `file:///c%3A/x` are
/// `C:\x` and `file://server/share/x` is the UNC path `\\server\share\x`
/// (<https://learn.microsoft.com/windows/win32/api/shlwapi/nf-shlwapi-pathcreatefromurlw>).
/// `None` for another scheme.
fn file_path(text: &str, windows: bool) -> Option<String> {
    let rest = text.strip_prefix("file://")?;
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let path = crate::eval::percent_decoded(path)?;
    let local = host.is_empty() || host.eq_ignore_ascii_case("localhost");
    if !windows {
        return local.then_some(path);
    }
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':';
    let path = if drive {
        // The drive letter as Windows shows it.
        format!("{}{}", bytes[1].to_ascii_uppercase() as char, &path[2..])
    } else if local {
        path
    } else {
        format!("//{host}{path}")
    };
    Some(path.replace('/', "\\"))
}

/// The `file:` URI of the absolute `path`, percent-encoding what a URI path cannot hold.
fn uri_of(path: &Path) -> Option<Uri> {
    file_uri(path.to_str()?, cfg!(windows)).parse().ok()
}

/// The `file:` URI of the absolute path `text`, as [`file_path`] reads it back (`windows`:
/// a path with `\\` separators, a drive letter or a UNC server).
fn file_uri(text: &str, windows: bool) -> String {
    let mut out = String::from("file://");
    let slashed;
    let mut text = text;
    if windows {
        slashed = text.replace('\\', "/");
        text = &slashed;
        if let Some(unc) = text.strip_prefix("//") {
            let (host, path) = unc.split_at(unc.find('/').unwrap_or(unc.len()));
            out.push_str(host);
            text = path;
        } else if text.as_bytes().get(1) == Some(&b':') {
            out.push('/');
        }
    }
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b':' if windows => out.push(':'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The channel types of `lsp-server`.
mod crossbeam {
    pub(super) use crossbeam_channel::{Receiver, RecvTimeoutError, unbounded};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_and_paths_round_trip() {
        let path = Path::new("/work/my repo/ä#1.json");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///work/my%20repo/%C3%A4%231.json");
        assert_eq!(path_of(&uri).unwrap(), path);
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(path_of(&other), None);
    }

    /// Windows paths, read and written as VS Code and Neovim send them there, checked on any
    /// system (the conversion is a function of the text).
    #[test]
    fn windows_file_uris_name_drive_and_unc_paths() {
        for (uri, path) in [
            (
                "file:///C:/work/azuredeploy.json",
                r"C:\work\azuredeploy.json",
            ),
            (
                "file:///c%3A/work/my%20repo/a.json",
                r"C:\work\my repo\a.json",
            ),
            (
                "file://server/share/infra/main.bicep",
                r"\\server\share\infra\main.bicep",
            ),
        ] {
            assert_eq!(file_path(uri, true).as_deref(), Some(path), "{uri}");
            let back = file_uri(path, true);
            assert_eq!(file_path(&back, true).as_deref(), Some(path), "{back}");
        }
        assert_eq!(file_uri(r"C:\a b\x.json", true), "file:///C:/a%20b/x.json");
        // Elsewhere a remote host names no local file.
        assert_eq!(file_path("file://server/share/x", false), None);
        assert_eq!(
            file_path("file://localhost/x", false).as_deref(),
            Some("/x")
        );
    }

    #[test]
    fn ranges_overlap_when_they_share_a_position() {
        let r = |a: (u32, u32), b: (u32, u32)| Range {
            start: Position::new(a.0, a.1),
            end: Position::new(b.0, b.1),
        };
        assert!(overlaps(&r((1, 4), (1, 9)), &r((1, 9), (1, 9))));
        assert!(overlaps(&r((1, 4), (3, 0)), &r((2, 0), (2, 5))));
        assert!(!overlaps(&r((1, 4), (1, 9)), &r((1, 10), (1, 12))));
    }
}
