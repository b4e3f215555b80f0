//! The KPI report as a table (a terminal), JSON (dashboards, `--compare` later) or Markdown
//! (a pull-request comment, the job summary). Every text a template controls is made visible
//! (and escaped in Markdown).

use std::fmt::Write as _;

use serde::Serialize;

use super::drift::Drift;
use super::fleet::Fleet;
use super::{Kpis, Row, RowTrend, Trend};
use crate::report::emit::visible;

/// Most rows of a breakdown the table and the Markdown show (JSON has them all).
const MAX_ROWS: usize = 20;

/// The report's output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KpiFormat {
    /// Aligned columns, for a terminal.
    #[default]
    Table,
    /// One versioned JSON object (what `--compare` reads).
    Json,
    /// Markdown, for a pull-request comment or the job summary.
    Markdown,
}

/// The report in `format`, with the trend against an earlier report when there is one.
pub fn render(kpis: &Kpis, trend: Option<&Trend>, format: KpiFormat) -> String {
    match format {
        KpiFormat::Table => table(kpis, trend),
        KpiFormat::Markdown => markdown(kpis, trend),
        KpiFormat::Json => json(kpis, trend),
    }
}

fn json(kpis: &Kpis, trend: Option<&Trend>) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        kpis: &'a Kpis,
        #[serde(skip_serializing_if = "Option::is_none")]
        trend: Option<&'a Trend>,
    }
    let mut text = serde_json::to_string_pretty(&Out { kpis, trend }).unwrap_or_default();
    text.push('\n');
    text
}

/// `12.5%`, or `n/a` when nothing was judged.
fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_string(), |p| format!("{p:.1}%"))
}

/// `+2.5`, `-1.0`, `±0.0` (percentage points), or empty when either side is unknown.
fn points(before: Option<f64>, now: Option<f64>) -> String {
    match (before, now) {
        (Some(b), Some(n)) => {
            let d = ((n - b) * 10.0).round() / 10.0;
            if d > 0.0 {
                format!("+{d:.1}")
            } else if d < 0.0 {
                format!("{d:.1}")
            } else {
                "±0.0".to_string()
            }
        }
        _ => String::new(),
    }
}

/// `+3`, `-2`, `±0`.
fn delta(before: usize, now: usize) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("-{}", before - now),
        std::cmp::Ordering::Equal => "±0".to_string(),
    }
}

/// The headline: what was judged and how compliant it is.
fn headline(kpis: &Kpis, trend: Option<&Trend>) -> String {
    let t = &kpis.total;
    let mut out = format!(
        "Compliance: {} ({} of {} image-bearing resources compliant)",
        percent(kpis.compliance_percent),
        t.compliant,
        t.resources
    );
    if let Some(tr) = trend {
        let _ = write!(
            out,
            "; was {} ({} of {}), {} points",
            percent(tr.compliance_percent.0),
            tr.compliant.0,
            tr.resources.0,
            points(tr.compliance_percent.0, tr.compliance_percent.1)
        );
    }
    out
}

/// The findings line: open by rule, then what does not count.
fn findings_line(kpis: &Kpis, trend: Option<&Trend>) -> String {
    let open: usize = kpis.open_findings.values().sum();
    let by_rule: Vec<String> = kpis
        .open_findings
        .iter()
        .map(|(rule, n)| format!("{rule} {n}"))
        .collect();
    let mut out = format!("Findings: {open} open");
    if !by_rule.is_empty() {
        let _ = write!(out, " ({})", by_rule.join(", "));
    }
    if let Some(tr) = trend {
        let _ = write!(out, ", was {}", tr.open_findings.0);
    }
    let suppressed: Vec<String> = kpis
        .suppressed_findings
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    if !suppressed.is_empty() {
        let _ = write!(out, "; not counted: {}", suppressed.join(", "));
    }
    out
}

fn table(kpis: &Kpis, trend: Option<&Trend>) -> String {
    let mut out = String::new();
    let t = &kpis.total;
    let _ = writeln!(out, "{}", headline(kpis, trend));
    for (name, n) in [
        ("compliant", t.compliant),
        ("  outdated", t.outdated),
        ("noncompliant", t.noncompliant),
        ("unresolved", t.unresolved),
        ("exempt", t.exempt),
    ] {
        let _ = writeln!(out, "  {name:<13} {n:>7}");
    }
    let _ = writeln!(out, "{}", findings_line(kpis, trend));
    let source_rows: Vec<Row> = kpis.by_source.iter().map(|s| s.row.clone()).collect();
    let sections: [Section<'_>; 3] = [
        (
            "By image source",
            &source_rows,
            trend.map(|t| t.by_source.as_slice()),
        ),
        (
            &format!("By directory (depth {})", kpis.depth),
            &kpis.by_directory,
            trend.map(|t| t.by_directory.as_slice()),
        ),
        (
            &format!("By owner (tag `{}`)", kpis.owner_tag),
            &kpis.by_owner,
            trend.map(|t| t.by_owner.as_slice()),
        ),
    ];
    for (title, rows, trends) in sections {
        if rows.is_empty() {
            continue;
        }
        out.push('\n');
        table_section(&mut out, title, rows, trends);
    }
    if let Some(fleet) = &kpis.fleet {
        fleet_table(&mut out, fleet, trend);
    }
    if let Some(drift) = &kpis.drift {
        out.push('\n');
        for line in drift_lines(drift) {
            let _ = writeln!(out, "{}", visible(&line));
        }
    }
    if !kpis.golden.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Golden images in use (definition @ version):");
        for g in kpis.golden.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "  {:>7}  {} @ {}{}",
                g.resources,
                visible(&g.definition),
                visible(&g.version),
                if g.outdated { " (deprecated)" } else { "" }
            );
        }
        more(&mut out, kpis.golden.len());
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Files judged: {} ({} read). Config: {}.",
        kpis.templates,
        kpis.files_scanned,
        visible(&kpis.config)
    );
    out
}

/// A breakdown to print: its title, its rows, and their trend.
type Section<'a> = (&'a str, &'a [Row], Option<&'a [RowTrend]>);

fn table_section(out: &mut String, title: &str, rows: &[Row], trends: Option<&[RowTrend]>) {
    let width = rows
        .iter()
        .take(MAX_ROWS)
        .map(|r| visible(&r.key).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(title.len(), 72);
    let _ = write!(
        out,
        "{title:<width$}  resources  compliant  noncompl.  unresolved  exempt       %"
    );
    if trends.is_some() {
        out.push_str("   Δ res.  Δ points");
    }
    out.push('\n');
    for r in rows.iter().take(MAX_ROWS) {
        let key = clip(&visible(&r.key), 72);
        let c = &r.counts;
        let _ = write!(
            out,
            "{key:<width$}  {:>9}  {:>9}  {:>9}  {:>10}  {:>6}  {:>6}",
            c.resources,
            c.compliant,
            c.noncompliant,
            c.unresolved,
            c.exempt,
            percent(r.compliance_percent)
        );
        if let Some(trends) = trends
            && let Some(t) = trends.iter().find(|t| t.key == r.key)
        {
            let _ = write!(
                out,
                "  {:>7}  {:>8}",
                delta(t.resources.0, t.resources.1),
                points(t.compliance_percent.0, t.compliance_percent.1)
            );
        }
        out.push('\n');
    }
    more(out, rows.len());
    if let Some(trends) = trends {
        let gone: Vec<&RowTrend> = trends.iter().filter(|t| t.resources.1 == 0).collect();
        for t in gone.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "{:<width$}  gone (had {} resources, {} compliant)",
                clip(&visible(&t.key), 72),
                t.resources.0,
                t.compliant.0
            );
        }
    }
}

/// The fleet's part of the table: golden freshness, ends of life, power states, and the
/// breakdowns by subscription and resource group.
fn fleet_table(out: &mut String, fleet: &Fleet, trend: Option<&Trend>) {
    let g = &fleet.golden;
    out.push('\n');
    let _ = writeln!(out, "{}", freshness_line(fleet, trend));
    let _ = writeln!(
        out,
        "Past their image's end of life: {} of {} deployed resources",
        fleet.past_end_of_life, fleet.resources
    );
    let power: Vec<String> = fleet
        .by_power_state
        .iter()
        .map(|(state, n)| format!("{state} {n}"))
        .collect();
    let _ = writeln!(out, "Power states: {}", power.join(", "));
    for d in g.definitions.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "  {} — newest {} ({}): {} of {} on it",
            visible(&d.definition),
            d.newest
                .as_deref()
                .map_or("unknown".into(), |n| visible(n).into_owned()),
            if d.newest_from == "snapshot" {
                "gallery snapshot"
            } else {
                "newest the fleet runs; give a gallery snapshot for the gallery's"
            },
            d.on_newest,
            d.resources
        );
        for v in d.versions.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "    {:>7}  {}{}{}",
                v.resources,
                visible(&v.version),
                v.age_days
                    .map_or(String::new(), |a| format!(", {a} days old")),
                if v.past_end_of_life {
                    ", past its end of life"
                } else {
                    ""
                }
            );
        }
    }
    more(out, g.definitions.len());
    let sections: [Section<'_>; 2] = [
        (
            "By subscription",
            &fleet.by_subscription,
            trend.map(|t| t.by_subscription.as_slice()),
        ),
        ("By resource group", &fleet.by_resource_group, None),
    ];
    for (title, rows, trends) in sections {
        out.push('\n');
        table_section(out, title, rows, trends);
    }
}

/// The drift, as lines: the counts, then the first machines of each list.
fn drift_lines(drift: &Drift) -> Vec<String> {
    let mut lines = vec![format!(
        "Drift: {} of {} deployed resources are declared by no template here; {} run another image than the one declared",
        drift.not_declared.len(),
        drift.deployed,
        drift.image_differs.len()
    )];
    if drift.declared_without_known_name > 0 {
        lines.push(format!(
            "  ({} declared resources have names not known offline and may declare some of them)",
            drift.declared_without_known_name
        ));
    }
    for d in drift.not_declared.iter().take(MAX_ROWS) {
        lines.push(format!(
            "  not declared: {} ({})",
            d.id,
            d.image.as_deref().unwrap_or("no image")
        ));
    }
    if drift.not_declared.len() > MAX_ROWS {
        lines.push(format!(
            "  … {} more not declared (--format json lists them all)",
            drift.not_declared.len() - MAX_ROWS
        ));
    }
    for d in drift.image_differs.iter().take(MAX_ROWS) {
        lines.push(format!(
            "  image differs: {} runs {}; {} declares {}",
            d.id, d.running, d.declared_at, d.declared
        ));
    }
    if drift.image_differs.len() > MAX_ROWS {
        lines.push(format!(
            "  … {} more image differences (--format json lists them all)",
            drift.image_differs.len() - MAX_ROWS
        ));
    }
    lines
}

/// "Golden images on the newest approved version: 62.5% (5 of 8); mean version age 41.0 days".
fn freshness_line(fleet: &Fleet, trend: Option<&Trend>) -> String {
    let g = &fleet.golden;
    let mut line = format!(
        "Golden images on the newest approved version: {} ({} of {})",
        percent(g.on_newest_percent),
        g.on_newest,
        g.resources
    );
    if let Some(t) = trend
        && t.golden_on_newest_percent.0.is_some()
    {
        let _ = write!(
            line,
            ", was {} ({} points)",
            percent(t.golden_on_newest_percent.0),
            points(t.golden_on_newest_percent.0, t.golden_on_newest_percent.1)
        );
    }
    match g.mean_age_days {
        Some(age) => {
            let _ = write!(line, "; mean version age {age:.1} days");
        }
        None if g.resources > 0 => {
            line.push_str("; version ages unknown (no publishedDate in a gallery snapshot)")
        }
        None => {}
    }
    line
}

fn more(out: &mut String, len: usize) {
    if len > MAX_ROWS {
        let _ = writeln!(
            out,
            "  … {} more (--format json lists them all)",
            len - MAX_ROWS
        );
    }
}

/// `text` cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if text.chars().count() > max => format!("{}…", &text[..at]),
        _ => text.to_string(),
    }
}

/// Text a template controls, safe in a Markdown table cell.
fn cell(text: &str) -> String {
    let mut out = String::new();
    for c in visible(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn markdown(kpis: &Kpis, trend: Option<&Trend>) -> String {
    let mut out = String::from("## imagegate: golden-image compliance\n\n");
    let _ = writeln!(out, "**{}**\n", cell(&headline(kpis, trend)));
    let t = &kpis.total;
    out.push_str("| Status | Resources |\n|---|---:|\n");
    for (name, n) in [
        ("compliant", t.compliant),
        ("compliant, on a deprecated version", t.outdated),
        ("noncompliant", t.noncompliant),
        ("unresolved", t.unresolved),
        ("exempt", t.exempt),
    ] {
        let _ = writeln!(out, "| {name} | {n} |");
    }
    let _ = writeln!(out, "\n{}\n", cell(&findings_line(kpis, trend)));
    let source_rows: Vec<Row> = kpis.by_source.iter().map(|s| s.row.clone()).collect();
    for (title, rows, trends) in [
        (
            "By image source".to_string(),
            source_rows.as_slice(),
            trend.map(|t| t.by_source.as_slice()),
        ),
        (
            format!("By directory (depth {})", kpis.depth),
            kpis.by_directory.as_slice(),
            trend.map(|t| t.by_directory.as_slice()),
        ),
        (
            format!("By owner (tag `{}`)", cell(&kpis.owner_tag)),
            kpis.by_owner.as_slice(),
            trend.map(|t| t.by_owner.as_slice()),
        ),
    ] {
        markdown_table(&mut out, &format!("### {title}"), rows, trends);
    }
    if let Some(fleet) = &kpis.fleet {
        let _ = writeln!(
            out,
            "### Fleet\n\n{}\n",
            cell(&freshness_line(fleet, trend))
        );
        let _ = writeln!(
            out,
            "Past their image's end of life: **{}** of {} deployed resources.\n",
            fleet.past_end_of_life, fleet.resources
        );
        if !fleet.golden.definitions.is_empty() {
            out.push_str("| Definition | Newest | Version | Resources | Age (days) | Past end of life |\n|---|---|---|---:|---:|---|\n");
            for d in fleet.golden.definitions.iter().take(MAX_ROWS) {
                for v in d.versions.iter().take(MAX_ROWS) {
                    let _ = writeln!(
                        out,
                        "| {} | {} ({}) | {} | {} | {} | {} |",
                        cell(&d.definition),
                        cell(d.newest.as_deref().unwrap_or("unknown")),
                        d.newest_from,
                        cell(&v.version),
                        v.resources,
                        v.age_days.map_or("".into(), |a| a.to_string()),
                        if v.past_end_of_life { "yes" } else { "" }
                    );
                }
            }
            out.push('\n');
        }
        for (title, rows) in [
            ("By subscription", &fleet.by_subscription),
            ("By resource group", &fleet.by_resource_group),
        ] {
            markdown_table(&mut out, &format!("#### {title}"), rows, None);
        }
    }
    if let Some(drift) = &kpis.drift {
        out.push_str("### Drift\n\n");
        for line in drift_lines(drift) {
            let _ = writeln!(out, "{}  ", cell(line.trim_start()));
        }
        out.push('\n');
    }
    if !kpis.golden.is_empty() {
        out.push_str(
            "### Golden images in use\n\n| Definition | Version | Resources |\n|---|---|---:|\n",
        );
        for g in kpis.golden.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&g.definition),
                cell(&g.version),
                g.resources
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Files judged: {} ({} read). Config: {}.",
        kpis.templates,
        kpis.files_scanned,
        cell(&kpis.config)
    );
    out
}

/// One breakdown as a Markdown table under `heading`: its first rows, with the trend's
/// columns when there is one, and how many rows JSON has beyond them.
fn markdown_table(out: &mut String, heading: &str, rows: &[Row], trends: Option<&[RowTrend]>) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "{heading}\n");
    out.push_str("| | Resources | Compliant | Noncompliant | Unresolved | Exempt | % |");
    if trends.is_some() {
        out.push_str(" Δ resources | Δ points |");
    }
    out.push_str("\n|---|---:|---:|---:|---:|---:|---:|");
    if trends.is_some() {
        out.push_str("---:|---:|");
    }
    out.push('\n');
    for r in rows.iter().take(MAX_ROWS) {
        let c = &r.counts;
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&clip(&r.key, 120)),
            c.resources,
            c.compliant,
            c.noncompliant,
            c.unresolved,
            c.exempt,
            percent(r.compliance_percent)
        );
        if let Some(trends) = trends {
            match trends.iter().find(|t| t.key == r.key) {
                Some(t) => {
                    let _ = write!(
                        out,
                        " {} | {} |",
                        delta(t.resources.0, t.resources.1),
                        points(t.compliance_percent.0, t.compliance_percent.1)
                    );
                }
                None => out.push_str(" | |"),
            }
        }
        out.push('\n');
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n{} more rows in `--format json`.",
            rows.len() - MAX_ROWS
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_signed() {
        assert_eq!(delta(3, 5), "+2");
        assert_eq!(delta(5, 3), "-2");
        assert_eq!(delta(4, 4), "±0");
        assert_eq!(points(Some(10.0), Some(12.5)), "+2.5");
        assert_eq!(points(Some(12.5), Some(10.0)), "-2.5");
        assert_eq!(points(None, Some(1.0)), "");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_link() {
        assert_eq!(cell("a|b](x)"), "a\\|b\\](x)");
    }
}
