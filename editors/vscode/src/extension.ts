// The imagegate extension: it starts `imagegate lsp`, the language server, and leaves every
// judgement to it. Diagnostics, code actions (the fixes of `imagegate check --fix`), hover on
// image references and reloading when `imagegate.toml`, gallery snapshots or `bicepconfig.json`
// change are the server's; this file only starts it, restarts it, and says when it cannot.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

/** The client of the running server, if one runs. */
let client: LanguageClient | undefined;

/**
 * The files the server is given: every ARM template, parameter file, Bicep file and
 * `.bicepparam` on disk. Matched by pattern rather than by language id, so that `.bicep` and
 * `.bicepparam` files are given to the server whether or not the Bicep extension (which
 * contributes the `bicep` language) is installed, and JSON files whatever language VS Code
 * gives them (`json` or `jsonc`). The server ignores the JSON files that are not templates or
 * parameter files. Only the `file` scheme: the server judges a file with its project on disk.
 */
const documentSelector = [
  { scheme: "file", pattern: "**/*.{json,jsonc,bicep,bicepparam}" },
];

/** Starts the server when a workspace with templates opens; registers the restart command. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("imagegate");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("imagegate.restartServer", async () => {
      await stop();
      await start(output);
    }),
    // A new executable takes effect at once; the trace level is read by the client itself.
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("imagegate.path")) {
        await stop();
        await start(output);
      }
    }),
  );
  await start(output);
}

/** Stops the server when VS Code closes the extension. */
export async function deactivate(): Promise<void> {
  await stop();
}

/**
 * The executable that runs the server: the `imagegate.path` setting as the user or the machine
 * sets it. A workspace's own value is never read (the setting's scope is `machine`, and only
 * the global value is asked for here): a repository a user opens must not choose what runs.
 */
function executable(): string {
  const setting = vscode.workspace.getConfiguration("imagegate").inspect<string>("path");
  const value = (setting?.globalValue ?? setting?.defaultValue ?? "imagegate").trim();
  if (value === "") {
    return "imagegate";
  }
  // `~/…` as a shell would read it: the usual way to name an executable in one's home.
  return value.startsWith("~/") ? path.join(os.homedir(), value.slice(2)) : value;
}

/**
 * The absolute path of `command`: itself when it is absolute; else the first match in the
 * absolute directories of `PATH` (with each of `PATHEXT`'s extensions on Windows). Relative
 * entries of `PATH` (`.`, an empty entry) are skipped, as is a relative `command`: the server
 * runs in the workspace's folder, and a file of the workspace must never be what runs.
 * `undefined` when nothing executable is found.
 */
function resolve(command: string): string | undefined {
  const windows = process.platform === "win32";
  const runnable = (file: string): boolean => {
    try {
      fs.accessSync(file, windows ? fs.constants.F_OK : fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (path.isAbsolute(command)) {
    return runnable(command) ? command : undefined;
  }
  if (command.includes("/") || command.includes("\\")) {
    return undefined;
  }
  const extensions = windows
    ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";").filter((e) => e)]
    : [""];
  for (const directory of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!path.isAbsolute(directory)) {
      continue;
    }
    for (const extension of extensions) {
      const candidate = path.join(directory, command + extension);
      if (runnable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Starts `imagegate lsp` over stdio; says how to fix it when it cannot be started. */
async function start(output: vscode.OutputChannel): Promise<void> {
  const setting = executable();
  const command = resolve(setting);
  if (command === undefined) {
    cannotStart(
      output,
      `\`${setting}\` was not found (the setting is an absolute path, \`~/…\`, or a name ` +
        "looked up in the absolute directories of PATH)",
    );
    return;
  }
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
  };
  // The id `imagegate` makes the client read its trace level from `imagegate.trace.server`.
  const started = new LanguageClient("imagegate", "imagegate", serverOptions, clientOptions);
  try {
    await started.start();
    client = started;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    cannotStart(output, `\`${command} lsp\` failed: ${message}`);
  }
}

/**
 * Says why the server could not be started, in the output and in a message with the fix. The
 * message is not waited for: activation does not hang on the user's answer.
 */
function cannotStart(output: vscode.OutputChannel, why: string): void {
  output.appendLine(`The imagegate language server could not be started: ${why}.`);
  void vscode.window
    .showErrorMessage(
      `imagegate: the language server could not be started: ${why}. Install imagegate ` +
        "(a version with `imagegate lsp`) or set `imagegate.path` to its executable.",
      "Open Settings",
    )
    .then((choice) => {
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "imagegate.path");
      }
    });
}

/** Stops the running server, if any. */
async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // A server that crashed and could not be restarted is not running: nothing to stop.
    }
  }
}
