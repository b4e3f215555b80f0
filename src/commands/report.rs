//! `imagegate report`: the rollout's figures, from the same walk and judgement as `check`
//! (templates under PATHs) and `audit` (`--inventory` exports).

use std::path::PathBuf;

use super::{Exit, Failure, Io, read_baseline, run_config, write_file};
use crate::cli::ReportArgs;
use crate::report::emit::Syntax;
use crate::walk::WalkOptions;
use crate::workspace::Workspace;

pub(super) fn report(args: ReportArgs, io: &mut Io<'_>) -> Result<Exit, Failure> {
    // Templates under the PATHs (default `.`, unless only exports are asked about).
    let paths = if args.paths.is_empty() && args.inventory.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config_paths = if paths.is_empty() {
        args.inventory.clone()
    } else {
        paths.clone()
    };
    let named = args.config.as_deref().map(|c| io.resolve(c));
    let mut config = run_config(
        named.as_deref(),
        args.config_as.as_deref(),
        args.trusted_exemptions.as_deref(),
        &config_paths,
        args.mode,
        io,
    )?;
    config.set_today(io.today()?);
    // What cannot be read stops the run before the walk.
    let baseline = read_baseline(args.baseline.as_deref(), io)?;
    let earlier = match &args.compare {
        Some(path) => {
            let shown = crate::walk::display_path(path, &io.cwd);
            let bytes = std::fs::read(io.resolve(path))
                .map_err(|e| Failure::Compare(format!("cannot read {shown}: {e}")))?;
            Some(
                crate::kpi::read_earlier(&bytes, &shown)
                    .map_err(|e| Failure::Compare(e.to_string()))?,
            )
        }
        None => None,
    };
    let threads = args.threads.unwrap_or(0);
    let options = |roots: &[PathBuf]| WalkOptions {
        roots: roots.iter().map(|p| io.resolve(p)).collect(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
        force_exclude: false,
        threads,
    };
    // The templates are judged as `check` judges them: their parameter files read the
    // command's environment.
    let workspace = Workspace::new(config, io.cwd.clone(), threads)
        .map_err(Failure::Workspace)?
        .with_environment(super::check::environment(&io.vars));
    let detail = crate::findings::Detail { excerpts: false };
    let templates = (!paths.is_empty())
        .then(|| workspace.check(&options(&paths), detail))
        .transpose()
        .map_err(Failure::Walk)?;
    let estate = (!args.inventory.is_empty())
        .then(|| workspace.audit(&options(&args.inventory), detail))
        .transpose()
        .map_err(Failure::Walk)?;
    let mut report = match (templates, estate) {
        (Some(mut templates), Some(estate)) => {
            templates.absorb(estate);
            templates
        }
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => crate::report::Report::default(),
    };
    if let Some((shown, baseline)) = baseline {
        crate::baseline::apply(&mut report, baseline, &shown);
    }
    let grouping = crate::kpi::Grouping {
        owner_tag: args
            .owner_tag
            .clone()
            .unwrap_or_else(|| "owner".to_string()),
        depth: args.depth,
    };
    let kpis = crate::kpi::compute(&report, &grouping, workspace.config());
    let trend = earlier.map(|before| crate::kpi::trend(&before, &kpis));
    let text = crate::kpi::render::render(&kpis, trend.as_ref(), args.format);
    let syntax = match args.format {
        crate::kpi::render::KpiFormat::Json => Syntax::Json,
        crate::kpi::render::KpiFormat::Table | crate::kpi::render::KpiFormat::Markdown => {
            Syntax::Text
        }
    };
    match &args.output {
        Some(path) => write_file(io, path, &text, syntax)?,
        None => io.print(&text, syntax)?,
    }
    io.release(report);
    Ok(Exit::Success)
}
