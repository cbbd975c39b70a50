//! The command line (interface.md): the same `desk` operations as the desktop app, for
//! scripts. `--json` prints one JSON document; exit 0 done, 2 refused (nothing written),
//! 1 unexpected failure.

use crate::clock;
use clap::{Args, Parser, Subcommand, ValueEnum};
use desk::export::ExportFormat;
use desk::import::{parse_time, ImportOptions};
use desk::staff::{AuditQuery, SignInPurpose, StaffChange};
use desk::tiers::TierRunView;
use desk::{Ctx, Desk, DeskError, ErrorCode, Role};
use serde::Serialize;
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "memberdesk", version, about = "会员台 MemberDesk — 命令行（不带参数启动桌面程序）")]
struct Cli {
    /// The data file, or a shared server `postgres://user:password@host:port/dbname`
    /// (default: the desktop app's own file; env MEMBERDESK_DB).
    #[arg(long, global = true)]
    db: Option<String>,
    /// The branch (code) this command is made at (default: the database's first; env
    /// MEMBERDESK_BRANCH).
    #[arg(long, global = true)]
    branch: Option<String>,
    /// The counter this command is made at (default `cli`; env MEMBERDESK_COUNTER).
    #[arg(long, global = true)]
    counter: Option<String>,
    /// The store date YYYY-MM-DD (default: today in China; env MEMBERDESK_TODAY).
    #[arg(long, global = true)]
    today: Option<String>,
    /// Print one JSON document.
    #[arg(long, global = true)]
    json: bool,
    /// Act as this staff account (needed once any account has a PIN); the PIN comes from
    /// MEMBERDESK_PIN or is asked on the terminal.
    #[arg(long, global = true)]
    staff: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrol a new member.
    Enroll(EnrollArgs),
    /// Show or search members.
    Member {
        #[command(subcommand)]
        action: MemberAction,
    },
    /// Record a checkout and award points.
    Checkout {
        #[arg(long)]
        member: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        receipt: String,
        #[arg(long)]
        coupon: Option<String>,
        /// "YYYY-MM-DD HH:MM" store time (default now).
        #[arg(long)]
        at: Option<String>,
        /// Pay (part of) it from stored value: an amount, or `all`.
        #[arg(long)]
        stored_value: Option<String>,
        /// The member's 6-digit payment PIN, when they set one.
        #[arg(long)]
        sv_pin: Option<String>,
    },
    /// Refund (part of) a receipt.
    Refund {
        #[arg(long)]
        of: String,
        #[arg(long)]
        receipt: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Adjust a member's points (manager), with a reason.
    Adjust {
        #[arg(long)]
        member: String,
        #[arg(long, allow_hyphen_values = true)]
        points: i64,
        #[arg(long)]
        reason: String,
    },
    /// The contact list of a day (default: the store date).
    Contacts {
        #[arg(long)]
        date: Option<String>,
    },
    /// The redemption catalog: id, name, points, stock.
    Catalog,
    /// Redeem a catalog item with a member's points.
    Redeem {
        #[arg(long)]
        member: String,
        #[arg(long)]
        item: i64,
    },
    /// Monthly tier evaluation.
    Tiers {
        #[command(subcommand)]
        action: TiersAction,
    },
    /// Top up a member's stored value (储值) under its own receipt number.
    Topup {
        #[arg(long)]
        member: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        receipt: String,
        /// "YYYY-MM-DD HH:MM" store time (default now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Pay stored value back out (退储值, manager): an amount of principal, or `all`.
    Payout {
        #[arg(long)]
        member: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// What the till prints: `print card M`, `print slip RECEIPT [--width 58|80]` (as JSON;
    /// the window lays it out and prints it).
    Print {
        #[command(subcommand)]
        action: PrintAction,
    },
    /// Stored value: `sv rules` lists the top-up rules.
    Sv {
        #[command(subcommand)]
        action: SvAction,
    },
    /// The quarterly big-customer screening (manager, rules §10).
    Screening {
        #[command(subcommand)]
        action: ScreeningAction,
    },
    /// The manager's reports.
    Report {
        #[command(subcommand)]
        action: ReportAction,
    },
    /// Record an interaction (survey, feedback, event, share): points and tier value.
    Interaction {
        #[arg(long)]
        member: String,
        #[arg(long)]
        kind: String,
        /// YYYY-MM-DD (default the store date).
        #[arg(long)]
        at: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// A survey's recommend score, 0–10 (rules §13: NPS).
        #[arg(long, allow_negative_numbers = true)]
        score: Option<i64>,
    },
    /// Import a CSV file or an Excel workbook (.xlsx: its first sheet, the same columns).
    Import {
        kind: ImportKind,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Export to a CSV file (UTF-8 with BOM).
    Export {
        kind: ExportKind,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "csv")]
        format: String,
        /// For tier-changes: the month YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
        /// For contacts: the day (default: the store date).
        #[arg(long)]
        date: Option<String>,
        /// For contacts: only the SMS list (phone,name,text) or only the calls.
        #[arg(long)]
        channel: Option<String>,
        /// For stored-value: the first day (default the first of the store date's month).
        #[arg(long)]
        from: Option<String>,
        /// For stored-value: the last day (default the store date).
        #[arg(long)]
        until: Option<String>,
    },
    /// Back up the data file.
    Backup {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore the data file from a backup (the current data is kept as a copy).
    Restore { file: PathBuf },
    /// The chain's branches (rules §15).
    Branch {
        #[command(subcommand)]
        action: BranchAction,
    },
    /// Copy the whole store into an empty database (a server URL or a new file) and verify it.
    Migrate {
        #[arg(long)]
        to: String,
    },
    /// Fill an EMPTY store with realistic demo data.
    Demo {
        #[arg(long, default_value_t = 200)]
        members: usize,
        #[arg(long, default_value_t = 18)]
        months: u32,
        #[arg(long, default_value_t = 20_261_123)]
        seed: u64,
    },
    /// Staff accounts (manager): list, add, change.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// The audit log (manager), newest first; with --out, written to a file. After `audit`,
    /// `--staff N` filters by the account that acted (who runs the command is named before
    /// the command: `memberdesk --staff 店长 audit --staff 小王`).
    Audit {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long = "audit-staff", value_name = "N")]
        by_staff: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        member: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// The store's dates and counts.
    Status,
    /// This counter's printer settings (`--counter`): shown, or changed with the options.
    PrintSettings {
        /// The slip's roll: 58 or 80 (mm).
        #[arg(long)]
        slip_width: Option<String>,
        /// The slip's left and right margin, 0–10 mm.
        #[arg(long)]
        slip_margin: Option<String>,
        /// The card's margin, 0–10 mm.
        #[arg(long)]
        card_margin: Option<String>,
    },
    /// The full check of every page of the data file.
    Check,
}

#[derive(Args)]
struct EnrollArgs {
    #[arg(long)]
    name: String,
    #[arg(long)]
    phone: String,
    #[arg(long, default_value = "")]
    gender: String,
    /// [YYYY-]MM-DD
    #[arg(long, default_value = "")]
    birthday: String,
    #[arg(long)]
    lunar: bool,
    #[arg(long)]
    leap: bool,
    #[arg(long, default_value = "")]
    referrer: String,
    #[arg(long)]
    no_contact: bool,
    #[arg(long, default_value = "")]
    notes: String,
}

#[derive(Subcommand)]
enum MemberAction {
    /// The member card of a phone or member number.
    Show { member: String },
    /// Find members like the front desk does.
    Search { query: String },
    /// Set or clear the VIP flag (大客户, manager).
    Vip {
        #[arg(long)]
        member: String,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Archive a member: hidden from lookups and lists, history kept (manager).
    Archive { member: String },
    /// Bring an archived member back.
    Unarchive { member: String },
    /// Merge a member enrolled twice into the one kept (manager); `--preview` shows what
    /// would move and writes nothing.
    Merge {
        #[arg(long)]
        keep: String,
        #[arg(long)]
        merge: String,
        #[arg(long)]
        preview: bool,
    },
    /// Members that look like one person enrolled twice.
    Duplicates,
    /// The code on the member's card, to scan at the till; `--replace` issues a new card
    /// (the old code is refused from then on).
    Card {
        member: String,
        #[arg(long)]
        replace: bool,
    },
    /// The member's 6-digit payment PIN for stored value: `--set PIN` or `--clear`.
    Pin {
        member: String,
        #[arg(long, conflicts_with = "clear")]
        set: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Erase a member's personal data (PIPL; manager; cannot be undone). Confirm with the
    /// member number: `member erase M000123 --confirm` (or `--confirm M000123`).
    Erase {
        member: String,
        #[arg(long, num_args = 0..=1, default_missing_value = "")]
        confirm: Option<String>,
    },
}

#[derive(Subcommand)]
enum PrintAction {
    /// The member card: store, name, number, tier, card code with its barcode and QR code.
    Card { member: String },
    /// The slip of a sale, refund or top-up of this branch.
    Slip {
        receipt: String,
        #[arg(long, default_value = "80")]
        width: String,
    },
}

#[derive(Subcommand)]
enum SvAction {
    /// The top-up rules (充值规则), lowest threshold first; `--history` adds retired ones.
    Rules {
        #[arg(long)]
        history: bool,
    },
    /// Add a top-up rule (manager), or with `--replaces ID` edit one (the old is retired).
    Rule(TopUpRuleArgs),
    /// Stop a top-up rule (manager); it stays in the history.
    StopRule { id: i64 },
}

#[derive(clap::Args)]
struct TopUpRuleArgs {
    /// The rule this one replaces.
    #[arg(long)]
    replaces: Option<i64>,
    /// Top up at least this much (yuan).
    #[arg(long)]
    threshold: String,
    /// Bonus money (yuan), into the account's bonus part.
    #[arg(long, conflicts_with_all = ["points", "coupon"])]
    bonus: Option<String>,
    /// Bonus points, as one lot.
    #[arg(long, conflicts_with = "coupon")]
    points: Option<i64>,
    /// A coupon from this template (its key).
    #[arg(long)]
    coupon: Option<String>,
    /// First day the rule runs (YYYY-MM-DD; default always).
    #[arg(long)]
    from: Option<String>,
    /// Last day the rule runs.
    #[arg(long)]
    until: Option<String>,
}

#[derive(Subcommand)]
enum ScreeningAction {
    /// Make (idempotently) the screening of a quarter that has begun (default: this quarter).
    Run {
        /// YYYYQn, e.g. 2027Q1.
        #[arg(long)]
        quarter: Option<String>,
    },
    /// The members a quarter's screening listed (default: the latest screening).
    List {
        #[arg(long)]
        quarter: Option<String>,
    },
    /// Approve a listed member: VIP from now on.
    Approve {
        #[arg(long)]
        member: String,
        #[arg(long)]
        quarter: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Dismiss a listed member, with a note saying why.
    Dismiss {
        #[arg(long)]
        member: String,
        #[arg(long)]
        quarter: Option<String>,
        #[arg(long)]
        note: String,
    },
}

#[derive(Subcommand)]
enum StaffAction {
    /// Every account with its role, whether it is in use and any lock.
    List,
    /// Add an account with its role and PIN (4–8 digits).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        pin: String,
        /// The account's branch (default: the acting manager's own). Written `--branch`.
        #[arg(long = "staff-branch")]
        branch: Option<String>,
    },
    /// Change an account: role, PIN, in use or not, or its name.
    Set {
        #[arg(long)]
        name: String,
        #[arg(long)]
        rename: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        pin: Option<String>,
        #[arg(long)]
        active: Option<String>,
        /// The account's branch (its code; "" for the whole chain). On the command line
        /// it is written `--branch` after `staff`.
        #[arg(long = "staff-branch")]
        branch: Option<String>,
    },
}

#[derive(Subcommand)]
enum BranchAction {
    /// Add a branch to the chain (owner, or a manager of the whole chain).
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// The chain's branches.
    List,
}

#[derive(Subcommand)]
enum TiersAction {
    /// Run (idempotently) the evaluation as of a month's 1st (default: this month).
    Evaluate {
        #[arg(long)]
        month: Option<String>,
    },
    /// The tier changes of a month's run.
    Changes {
        #[arg(long)]
        month: String,
    },
}

#[derive(Subcommand)]
enum ReportAction {
    /// The program figures (rules §13) of a month or a range of months (default: the last
    /// full month), with each of the 12 months before it.
    Figures {
        /// First month, YYYY-MM.
        #[arg(long)]
        from: Option<String>,
        /// Last month, YYYY-MM.
        #[arg(long)]
        to: Option<String>,
        /// Count this branch's receipts only (`--branch` after `report`).
        #[arg(long = "report-branch")]
        branch: Option<String>,
        /// Also write the figures to this file (numbers, with the 12 months before).
        #[arg(long)]
        out: Option<PathBuf>,
        /// csv or xlsx (with --out).
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    Members,
    Purchases,
    Interactions,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    Members,
    Ledger,
    TierChanges,
    Contacts,
    /// The stored-value ledger (`--from`/`--until`, default the store's month so far).
    StoredValue,
}

/// What a command produced: a JSON value and its readable form.
struct Output {
    value: serde_json::Value,
    text: String,
    exit: i32,
}

fn out<T: Serialize>(value: &T, text: String) -> Result<Output, DeskError> {
    let value = serde_json::to_value(value).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(Output { value, text, exit: 0 })
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), DeskError> {
    std::fs::write(path, bytes)
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", path.display())))
}

fn parse_date(date: &Option<String>) -> Result<Option<chrono::NaiveDate>, DeskError> {
    match date {
        None => Ok(None),
        Some(t) => loyalty::store_date::parse_date(t)
            .map(Some)
            .map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string())),
    }
}

fn parse_role(text: &str) -> Result<Role, DeskError> {
    Role::parse(text).ok_or_else(|| {
        DeskError::new(
            ErrorCode::InvalidInput,
            format!("角色“{text}”无效：应为 front_desk、customer_service、manager 或 owner"),
        )
    })
}

fn parse_at(at: &Option<String>) -> Result<Option<chrono::NaiveDateTime>, DeskError> {
    match at {
        None => Ok(None),
        Some(t) => parse_time(t)
            .map(Some)
            .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("时间“{t}”无效，应为 YYYY-MM-DD HH:MM"))),
    }
}

/// The figures as the manager reads them in a terminal.
fn figures_text(r: &desk::figures::FiguresReport) -> String {
    let f = &r.period;
    let pct = |v: &Option<String>| v.as_ref().map(|v| format!("{v}%")).unwrap_or_else(|| "—".into());
    let period = if f.from == f.to { f.from.clone() } else { format!("{} 至 {}", f.from, f.to) };
    let mut lines = vec![
        format!("效果评估 {period}{}", r.branch.as_ref().map(|b| format!("（门店 {b}）")).unwrap_or_default()),
        format!(
            "会员 {}（新增 {}，活跃 {}，流失 {}）",
            f.members.total, f.members.new, f.members.active, f.members.lapsed
        ),
        format!(
            "会员消费 ¥{}，到店 {} 次，客单价 {}",
            f.sales.net_spend,
            f.sales.visits,
            f.sales.spend_per_visit.as_ref().map(|v| format!("¥{v}")).unwrap_or_else(|| "—".into())
        ),
        format!(
            "复购率 {}，留存率 {}，前 20% 会员消费占比 {}",
            pct(&f.repurchase_rate),
            pct(&f.retention_rate),
            pct(&f.top20_share)
        ),
        format!(
            "积分 发放 {}，兑换 {}，过期 {}，扣回 {}，调整 {}；余额 {}（负债 ¥{}）",
            f.points.issued,
            f.points.redeemed,
            f.points.expired,
            f.points.clawed_back,
            f.points.adjusted,
            f.points.outstanding,
            f.points.liability
        ),
        format!(
            "推荐 新会员 {}，成功 {}，消费 ¥{}",
            f.referrals.enrolled, f.referrals.successful, f.referrals.net_spend
        ),
        format!(
            "联系清单 应联系 {}，完成 {}，未接 {}，放弃 {}，勿扰 {}，完成率 {}",
            f.contacts.due,
            f.contacts.done,
            f.contacts.no_answer,
            f.contacts.given_up,
            f.contacts.do_not_call,
            pct(&f.contacts.completion)
        ),
        format!("NPS {}（{} 份评分）", f.nps.score.clone().unwrap_or_else(|| "—".into()), f.nps.n),
    ];
    for c in &f.coupons {
        lines.push(format!(
            "券 {}：发放 {}，使用 {}，过期 {}，使用率 {}，优惠 ¥{}，带动消费 ¥{}",
            c.template,
            c.issued,
            c.used,
            c.expired,
            pct(&c.use_rate),
            c.discount,
            c.net_spend
        ));
    }
    lines.join("\n")
}

fn screening_text(s: &desk::screening::ScreeningView) -> String {
    let tick = |held: bool| if held { " ✓" } else { "" };
    let mut text = format!(
        "{} 大客户筛选（{}，统计 {} 至 {}）：{} 位会员中 {} 位候选，消费前 10% 门槛 {}{}",
        s.quarter,
        s.screening_day,
        s.window_start,
        s.window_end,
        s.evaluated,
        s.candidate_count,
        s.top_spend_threshold.as_deref().map(|t| format!("¥{t}")).unwrap_or_else(|| "—".into()),
        if s.ran_now { "" } else { "（此前已筛选，未重复）" }
    );
    for c in &s.candidates {
        let v = &c.values;
        text.push_str(&format!(
            "\n  {} {}  到店 {}{}  推荐 {}{}  互动 {}{}  消费 ¥{}{}  等级 {}{}  满足 {}/5{}{}",
            c.member_no,
            c.name,
            v.visits,
            tick(c.criteria.visits),
            v.referrals,
            tick(c.criteria.referrals),
            v.interactions,
            tick(c.criteria.interactions),
            v.top_spend,
            tick(c.criteria.top_spend),
            v.tier,
            tick(c.criteria.tier),
            c.met,
            if c.vip { "  [大客户]" } else { "" },
            match c.status.as_str() {
                "approved" => "  已选",
                "dismissed" => "  未选",
                _ => "",
            }
        ));
    }
    text
}

fn tier_run_text(run: &TierRunView) -> String {
    let mut text = format!(
        "{} 等级评定（{}）：评定 {} 位会员，变动 {} 位，用时 {} ms{}",
        run.month,
        run.evaluation_day,
        run.evaluated,
        run.changed,
        run.duration_ms,
        if run.ran_now { "" } else { "（此前已评定，未重复）" }
    );
    for c in &run.changes {
        text.push_str(&format!(
            "\n  {} {} {} → {}  S={} (C={} I={})",
            c.member_no, c.name, c.from, c.to, c.score, c.consumption, c.interaction
        ));
    }
    text
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let args = audit_filter_args(std::env::args_os().collect());
    // The command's name for the log (never its arguments: they may carry a phone or a PIN).
    let name = <Cli as clap::CommandFactory>::command()
        .try_get_matches_from(args.clone())
        .ok()
        .and_then(|m| m.subcommand_name().map(str::to_string))
        .unwrap_or_default();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    let json_out = cli.json;
    match run(cli, &name) {
        Ok(o) => {
            if json_out {
                println!("{}", o.value);
            } else {
                println!("{}", o.text);
            }
            o.exit
        }
        Err(e) => {
            crate::logging::error("command line", &e);
            if json_out {
                println!("{}", json!({ "error": e }));
            } else {
                eprintln!("错误 [{}]: {}", e.code.as_str(), e.message);
            }
            if e.is_refusal() {
                2
            } else {
                1
            }
        }
    }
}

/// `--staff` names who acts, anywhere on the line, except after `audit`, where it is the
/// filter of the log (interface.md): those are handed to clap as `--audit-staff`.
fn audit_filter_args(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let takes_value = ["--db", "--today", "--staff", "--branch", "--counter"];
    let mut iter = args.into_iter();
    let mut out: Vec<std::ffi::OsString> = iter.next().into_iter().collect();
    // Up to the command: global options (some with a value), then the command's name.
    let mut command = None;
    while let Some(a) = iter.next() {
        let text = a.to_string_lossy().to_string();
        out.push(a);
        if takes_value.contains(&text.as_str()) {
            out.extend(iter.next());
        } else if !text.starts_with('-') {
            command = Some(text);
            break;
        }
    }
    for a in iter {
        let text = a.to_string_lossy().to_string();
        // After `staff`, `--branch` is the account's branch, and after `report` the branch
        // whose figures are wanted, not where the command is made.
        let own_branch = match command.as_deref() {
            Some("staff") => Some("--staff-branch"),
            Some("report") => Some("--report-branch"),
            _ => None,
        };
        if let Some(own) = own_branch {
            match text.strip_prefix("--branch") {
                Some("") => {
                    out.push(own.into());
                    continue;
                }
                Some(v) if v.starts_with('=') => {
                    out.push(format!("{own}{v}").into());
                    continue;
                }
                _ => {}
            }
        }
        match (command.as_deref(), text.strip_prefix("--staff")) {
            (Some("audit"), Some("")) => out.push("--audit-staff".into()),
            (Some("audit"), Some(v)) if v.starts_with('=') => out.push(format!("--audit-staff{v}").into()),
            _ => out.push(a),
        }
    }
    out
}

/// A command line clap could not read: help and version print as usual; anything else
/// is a refusal (exit 2), with `--json` as `{"error": {code, message}}` on stdout.
fn argument_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return 0;
    }
    if std::env::args().any(|a| a == "--json") {
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("").trim_start_matches("error: ").to_string();
        println!(
            "{}",
            json!({ "error": { "code": "invalid_input", "message": format!("命令行参数有误：{message}") } })
        );
    } else {
        let _ = e.print();
    }
    2
}

/// Who the command acts as (rules §11): the built-in 命令行 while no account has a PIN;
/// otherwise `--staff` with that account's PIN (MEMBERDESK_PIN, or asked on a terminal).
fn acting(
    desk: &mut Desk,
    staff: Option<&str>,
    date: chrono::NaiveDate,
    now: chrono::NaiveDateTime,
) -> Result<Ctx, DeskError> {
    if !desk.sign_in_required()? {
        return desk.manager_ctx(date, now);
    }
    let Some(name) = staff.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(DeskError::new(
            ErrorCode::StaffRequired,
            "本店已设置员工 PIN：请用 --staff 姓名 指明操作人，并在 MEMBERDESK_PIN 中给出 PIN",
        ));
    };
    let pin = match std::env::var(PIN_ENV) {
        Ok(p) => p,
        Err(_) if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("{name} 的 PIN：")).unwrap_or_default()
        }
        Err(_) => String::new(),
    };
    if pin.trim().is_empty() {
        // No PIN given at all is no attempt: it is not counted toward the lockout.
        return Err(DeskError::new(
            ErrorCode::WrongPin,
            format!("需要“{name}”的 PIN：请在环境变量 MEMBERDESK_PIN 中给出，或在终端中输入"),
        ));
    }
    let who = desk.sign_in(name, pin.trim(), SignInPurpose::Command, date, now)?;
    Ok(desk.staff_ctx(&who, date, now))
}

const PIN_ENV: &str = "MEMBERDESK_PIN";

fn run(cli: Cli, name: &str) -> Result<Output, DeskError> {
    let (date, confirmed) = match cli.today.as_deref() {
        Some(t) => (
            loyalty::store_date::parse_date(t)
                .map_err(|e| DeskError::new(ErrorCode::InvalidInput, format!("--today：{e}")))?,
            true,
        ),
        None => match clock::date_from_env().map_err(|m| DeskError::new(ErrorCode::InvalidInput, m))? {
            Some(d) => (d, true),
            None => (clock::store_now().date(), false),
        },
    };
    let location = clock::store_location(cli.db.as_deref());
    crate::logging::init(&crate::logging::folder_for(&location));
    crate::logging::info(&format!(
        "MemberDesk {} (command line) {name} on {location}, store date {date}",
        env!("CARGO_PKG_VERSION")
    ));
    let mut desk = Desk::open_location(&location)?;
    let branch = cli.branch.or_else(|| clock::env_text(clock::BRANCH_ENV));
    let counter = cli.counter.or_else(|| clock::env_text(clock::COUNTER_ENV)).unwrap_or_else(|| "cli".to_string());
    desk.set_station(branch.as_deref(), &counter)?;
    if let store::Location::Server(_) = location {
        desk.set_backup_folder(clock::shared_backup_folder());
    }
    let now = clock::now_on(date);
    // Who acts is checked first: a caller without the PIN moves nothing, not even the date.
    let ctx = acting(&mut desk, cli.staff.as_deref(), date, now)?;
    desk.bring_up_to(date, confirmed, &now.format("%Y-%m-%d %H:%M:%S").to_string())?;
    execute(&mut desk, &ctx, cli.command)
}

fn execute(desk: &mut Desk, ctx: &Ctx, command: Command) -> Result<Output, DeskError> {
    match command {
        Command::Enroll(a) => {
            let card = desk.enroll(
                ctx,
                &desk::members::MemberInput {
                    name: a.name,
                    phone: a.phone,
                    gender: a.gender,
                    birthday: a.birthday,
                    lunar: a.lunar,
                    leap: a.leap,
                    referrer: a.referrer,
                    contact_ok: Some(!a.no_contact),
                    notes: a.notes,
                },
            )?;
            let text =
                format!("已入会：{} {}（{}），推荐码 {}", card.member_no, card.name, card.greeting, card.referral_code);
            out(&card, text)
        }
        Command::Member { action: MemberAction::Show { member } } => {
            let c = desk.member_card(ctx, &member)?;
            let mut text = format!(
                "{}  {}  {}\n手机 {}  等级 {}  积分 {}{}  卡号 {}\n",
                c.member_no,
                c.name,
                c.greeting,
                c.phone.as_deref().unwrap_or("-"),
                c.tier_label,
                c.points_balance,
                if c.points_balance < 0 { "（欠分）" } else { "" },
                c.card_code.as_deref().unwrap_or("-")
            );
            text.push_str(&format!("储值 本金 {} 元 + 赠送 {} 元\n", c.stored_value.principal, c.stored_value.bonus));
            for l in &c.lots {
                text.push_str(&format!(
                    "  积分批次 {} 获得，剩 {}，有效至 {}\n",
                    l.earned_on, l.points_remaining, l.valid_until
                ));
            }
            for cp in c.coupons.iter().filter(|cp| cp.status == "unused") {
                text.push_str(&format!(
                    "  优惠券 {} {}（{}），{} 至 {}\n",
                    cp.code, cp.name, cp.description, cp.valid_from, cp.valid_until
                ));
            }
            if !c.notes.is_empty() {
                text.push_str(&format!("亲情备注：{}\n", c.notes));
            }
            out(&c, text.trim_end().to_string())
        }
        Command::Member { action: MemberAction::Search { query } } => {
            let hits = desk.search(ctx, &query, 20)?;
            let text = if hits.is_empty() {
                "没有找到会员".to_string()
            } else {
                hits.iter()
                    .map(|h| {
                        format!(
                            "{}  {}  {}  {}  {} 分",
                            h.member_no,
                            h.name,
                            h.phone.as_deref().unwrap_or("-"),
                            h.tier,
                            h.points_balance
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out(&json!({ "query": query, "members": hits }), text)
        }
        Command::Checkout { member, amount, receipt, coupon, at, stored_value, sv_pin } => {
            let o = desk.checkout(
                ctx,
                &desk::checkout::CheckoutInput {
                    member,
                    amount,
                    receipt,
                    coupon,
                    at: parse_at(&at)?,
                    stored_value,
                    sv_pin,
                },
            )?;
            let sv = match o.sv_taken.as_deref() {
                Some(t) if t != "0.00" => format!(
                    "（储值 {t} = 本金 {} + 赠送 {}，其他方式 {}；储值余 本金 {} + 赠送 {}）",
                    o.sv_principal, o.sv_bonus, o.other_payment, o.principal, o.bonus_balance
                ),
                _ => String::new(),
            };
            let text = format!(
                "{}小票 {}：{} 实付 {} 元{}{sv}，积分 +{}，余额 {}{}",
                if o.duplicate { "（重复提交，未重复积分）" } else { "" },
                o.receipt,
                o.greeting,
                o.paid,
                o.coupon_used.as_deref().map(|c| format!("（用券 {c}，优惠 {}）", o.discount)).unwrap_or_default(),
                o.points_earned.unwrap_or(0),
                o.points_balance,
                o.gift.as_deref().map(|g| format!("，请赠送：{g}")).unwrap_or_default()
            );
            out(&o, text)
        }
        Command::Refund { of, receipt, amount, at } => {
            let o = desk.refund(ctx, &desk::checkout::RefundInput { of, receipt, amount, at: parse_at(&at)? })?;
            let sv = match o.sv_returned.as_deref() {
                Some(t) if t != "0.00" => format!(
                    "（退回储值 {t} = 本金 {} + 赠送 {}，其他方式退 {}）",
                    o.sv_principal, o.sv_bonus, o.other_payment
                ),
                _ => String::new(),
            };
            let text = format!(
                "{}退货 {}（原小票 {}）：退 {} 元{sv}，扣回积分 {}，余额 {}",
                if o.duplicate { "（重复提交）" } else { "" },
                o.receipt,
                o.refund_of.as_deref().unwrap_or(""),
                o.paid,
                o.points_clawed_back.unwrap_or(0),
                o.points_balance
            );
            out(&o, text)
        }
        Command::Adjust { member, points, reason } => {
            let o = desk.adjust(ctx, &member, points, &reason)?;
            let text = format!("{} 积分调整 {:+}（{}），余额 {}", o.member_no, o.points, o.reason, o.points_balance);
            out(&o, text)
        }
        Command::Import { kind, file, dry_run, skip_invalid } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法读取 {}：{e}", file.display())))?;
            let options = ImportOptions { dry_run, skip_invalid };
            let bar = import_bar();
            let mut progress = |p: desk::import::ImportProgress| show_import_progress(&bar, p);
            let report = match kind {
                ImportKind::Members => desk.import_members_watched(ctx, &bytes, options, &mut progress),
                ImportKind::Purchases => desk.import_purchases_watched(ctx, &bytes, options, &mut progress),
                ImportKind::Interactions => desk.import_interactions_watched(ctx, &bytes, options, &mut progress),
            };
            bar.finish_and_clear();
            let report = report?;
            let mut text = format!(
                "{}共 {} 行：写入 {}，重复跳过 {}，错误跳过 {}",
                if dry_run { "（试导入，未写入）" } else { "" },
                report.rows,
                report.written,
                report.skipped_duplicates,
                report.skipped_invalid
            );
            for e in &report.errors {
                text.push_str(&format!("\n  第 {} 行 [{}]：{}", e.line, e.column, e.message));
            }
            let refused = report.refused(options);
            if refused {
                text.push_str("\n有错误行，未写入任何数据（可用 --skip-invalid 跳过错误行）");
            }
            let mut o = out(&report, text)?;
            if refused {
                o.exit = 2;
            }
            Ok(o)
        }
        Command::Export { kind, out: path, format, month, date, channel, from, until } => {
            let format = ExportFormat::parse(&format)?;
            let csv_only = |f: ExportFormat| {
                if f == ExportFormat::Csv {
                    Ok(())
                } else {
                    Err(DeskError::new(ErrorCode::InvalidInput, "这份导出暂只提供 csv 格式"))
                }
            };
            let bytes = match kind {
                ExportKind::Members => {
                    csv_only(format)?;
                    desk.export_members_csv(ctx)?
                }
                ExportKind::Ledger => {
                    csv_only(format)?;
                    desk.export_ledger_csv(ctx)?
                }
                ExportKind::Contacts => {
                    csv_only(format)?;
                    if let Some(c) = channel.as_deref().filter(|c| !["sms", "call"].contains(c)) {
                        return Err(DeskError::new(
                            ErrorCode::InvalidInput,
                            format!("渠道“{c}”无效：应为 sms 或 call"),
                        ));
                    }
                    if channel.as_deref() == Some("sms") {
                        let done = desk.export_sms(ctx, parse_date(&date)?, &path)?;
                        let text = format!("已导出 {} 条短信到 {}（{} 字节）", done.texts, done.file, done.bytes);
                        return out(&done, text);
                    }
                    desk.export_contacts_csv(ctx, parse_date(&date)?, channel.as_deref())?
                }
                ExportKind::TierChanges => {
                    let month = month.unwrap_or_else(|| ctx.store_date.format("%Y-%m").to_string());
                    desk.export_tier_changes(ctx, &month, format)?
                }
                ExportKind::StoredValue => {
                    let from = parse_date(&from)?
                        .unwrap_or_else(|| chrono::Datelike::with_day(&ctx.store_date, 1).expect("day 1"));
                    let until = parse_date(&until)?.unwrap_or(ctx.store_date);
                    desk.export_sv_ledger(ctx, from, until, format)?
                }
            };
            write_file(&path, &bytes)?;
            let text = format!("已导出到 {}（{} 字节）", path.display(), bytes.len());
            out(&json!({ "file": path.display().to_string(), "bytes": bytes.len() }), text)
        }
        Command::Contacts { date } => {
            let list = desk.contact_list(ctx, parse_date(&date)?)?;
            let mut text = format!("{} 联系清单：{} 人", list.date, list.entries.len());
            for e in &list.entries {
                let reasons: Vec<String> = e.reasons.iter().map(|r| r.detail.clone()).collect();
                text.push_str(&format!(
                    "\n  {} {} {} {} [{}] {}",
                    e.member_no,
                    e.greeting,
                    e.phone.as_deref().unwrap_or("-"),
                    e.tier,
                    if e.channel == "sms" { "短信" } else { "电话" },
                    reasons.join("；")
                ));
            }
            out(&list, text)
        }
        Command::Catalog => {
            let items = desk.catalog(ctx)?;
            let text = items
                .iter()
                .filter(|i| i.active)
                .map(|i| {
                    let stock = i.stock.map(|s| format!("库存 {s}")).unwrap_or_else(|| "不限量".into());
                    format!("{}  {}  {} 分  {stock}", i.id, i.name, i.points)
                })
                .collect::<Vec<_>>()
                .join("\n");
            let shown: Vec<_> = items.iter().filter(|i| i.active).collect();
            out(&json!({ "items": shown }), text)
        }
        Command::Redeem { member, item } => {
            let o = desk.redeem(ctx, &member, item)?;
            let text = format!(
                "{} 兑换 {}：−{} 分，余额 {} → {}{}",
                o.member_no,
                o.item,
                o.points_spent,
                o.points_before,
                o.points_balance,
                o.coupon.as_ref().map(|c| format!("，发券 {}", c.code)).unwrap_or_default()
            );
            out(&o, text)
        }
        Command::Member { action: MemberAction::Vip { member, on, off: _, note } } => {
            let c = desk.set_vip(ctx, &member, on, &note)?;
            let text = format!("{} {}：{}", c.member_no, c.name, if c.vip { "已设为大客户" } else { "已取消大客户" });
            out(&c, text)
        }
        Command::Member { action: MemberAction::Archive { member } } => {
            let c = desk.set_archived(ctx, &member, true)?;
            let text = format!("{} {} 已归档", c.member_no, c.name);
            out(&c, text)
        }
        Command::Member { action: MemberAction::Unarchive { member } } => {
            let c = desk.set_archived(ctx, &member, false)?;
            let text = format!("{} {} 已恢复", c.member_no, c.name);
            out(&c, text)
        }
        Command::Member { action: MemberAction::Merge { keep, merge, preview } } => {
            let m =
                if preview { desk.merge_preview(ctx, &keep, &merge)? } else { desk.merge_members(ctx, &keep, &merge)? };
            let v = &m.moved;
            let text = format!(
                "{}{} {} 并入 {} {}：积分批次 {}、优惠券 {}、小票 {}、互动 {}、联系记录 {}{}，合并后积分 {}",
                if m.done { "已合并：" } else { "预览（未合并）：" },
                m.merged,
                m.merged_member.name,
                m.kept,
                m.kept_member.name,
                v.lots,
                v.coupons,
                v.receipts,
                v.interactions,
                v.contacts,
                if v.notes { "、亲情备注" } else { "" },
                m.points_balance
            );
            out(&m, text)
        }
        Command::Member { action: MemberAction::Duplicates } => {
            let pairs = desk.possible_duplicates(ctx, 200)?;
            let text = if pairs.is_empty() {
                "没有疑似重复的会员".to_string()
            } else {
                pairs
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {}  ↔  {} {} {}  （{}）",
                            p.a.member_no,
                            p.a.name,
                            p.a.phone.as_deref().unwrap_or("-"),
                            p.b.member_no,
                            p.b.name,
                            p.b.phone.as_deref().unwrap_or("-"),
                            p.reason_label
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out(&json!({ "pairs": pairs }), text)
        }
        Command::Member { action: MemberAction::Card { member, replace } } => {
            let c = desk.member_card_code(ctx, &member, replace)?;
            let text = if c.replaced {
                format!("{} 已补办新卡：{}（旧卡作废）", c.member_no, c.card_code)
            } else {
                format!("{} 会员卡号：{}", c.member_no, c.card_code)
            };
            out(&c, text)
        }
        Command::Member { action: MemberAction::Pin { member, set, clear } } => {
            if set.is_none() && !clear {
                return Err(DeskError::new(
                    ErrorCode::InvalidInput,
                    "请用 --set 六位密码 设置，或 --clear 取消支付密码",
                ));
            }
            let has_pin = desk.set_sv_pin(ctx, &member, set.as_deref())?;
            let text = if has_pin { "已设置储值支付密码" } else { "已取消储值支付密码" };
            out(&json!({ "member": member, "sv_pin": has_pin }), text.to_string())
        }
        Command::Member { action: MemberAction::Erase { member, confirm } } => {
            let confirm = match confirm {
                None => {
                    return Err(DeskError::new(
                        ErrorCode::InvalidInput,
                        "删除个人信息无法恢复：请加 --confirm 并写会员号（member erase M000123 --confirm）",
                    ))
                }
                Some(c) if c.trim().is_empty() => member.clone(),
                Some(c) => c,
            };
            let c = desk.erase_member(ctx, &member, &confirm)?;
            let text = format!("{} 的个人信息已删除（姓名、手机、生日、备注）；积分与消费记录保留", c.member_no);
            out(&c, text)
        }
        Command::Topup { member, amount, receipt, at } => {
            let o =
                desk.top_up(ctx, &desk::stored_value::TopUpInput { member, amount, receipt, at: parse_at(&at)? })?;
            let gift = match (o.bonus.as_str(), o.bonus_points, o.bonus_coupon.as_deref()) {
                (_, _, Some(code)) => format!("，赠券 {code}"),
                (_, p, _) if p > 0 => format!("，赠 {p} 积分"),
                ("0.00", _, _) => String::new(),
                (b, _, _) => format!("，赠送 {b} 元"),
            };
            let text = format!(
                "{}充值 {}：{} 充 {} 元{}{}，储值 本金 {} 元 + 赠送 {} 元",
                if o.duplicate { "（重复提交，未重复充值）" } else { "" },
                o.receipt,
                o.greeting,
                o.amount,
                o.rule.as_deref().map(|r| format!("（{r}）")).unwrap_or_default(),
                gift,
                o.principal,
                o.bonus_balance
            );
            out(&o, text)
        }
        Command::Payout { member, amount, reason } => {
            let o = desk.payout(ctx, &member, &amount, &reason)?;
            let text = format!(
                "{} 退储值：退本金 {} 元，扣赠送 {} 元；余 本金 {} 元 + 赠送 {} 元",
                o.member_no, o.principal_paid, o.bonus_removed, o.principal, o.bonus_balance
            );
            out(&o, text)
        }
        Command::Sv { action: SvAction::Rule(a) } => {
            let bonus_kind = if a.points.is_some() {
                "points"
            } else if a.coupon.is_some() {
                "coupon"
            } else {
                "money"
            };
            let r = desk.save_top_up_rule(
                ctx,
                &desk::stored_value::TopUpRuleInput {
                    replaces: a.replaces,
                    threshold: a.threshold,
                    bonus_kind: bonus_kind.to_string(),
                    bonus: a.bonus,
                    bonus_points: a.points,
                    bonus_coupon: a.coupon,
                    from: parse_date(&a.from)?,
                    until: parse_date(&a.until)?,
                },
            )?;
            let text = format!("已保存充值规则 {}：{}", r.id, r.label);
            out(&r, text)
        }
        Command::Print { action: PrintAction::Card { member } } => {
            let c = desk.card_print(ctx, &member)?;
            let text = format!("{} {} {} {} 卡号 {}", c.store_name, c.name, c.member_no, c.tier_label, c.card_code);
            out(&c, text)
        }
        Command::Print { action: PrintAction::Slip { receipt, width } } => {
            let s = desk.slip(ctx, &receipt, desk::print::SlipWidth::parse(&width)?)?;
            let text = format!(
                "{} {} {} {}：积分 {:+}，积分余额 {}，储值 本金 {} + 赠送 {}{}",
                s.store_name,
                s.receipt,
                s.at.format("%Y-%m-%d %H:%M"),
                s.greeting,
                s.points,
                s.points_balance,
                s.stored_value.principal,
                s.stored_value.bonus,
                s.gift.as_deref().map(|g| format!("，赠品 {g}")).unwrap_or_default()
            );
            out(&s, text)
        }
        Command::Sv { action: SvAction::StopRule { id } } => {
            desk.retire_top_up_rule(ctx, id)?;
            out(&json!({ "id": id, "active": false }), format!("充值规则 {id} 已停用"))
        }
        Command::Sv { action: SvAction::Rules { history } } => {
            let rules = desk.top_up_rules(ctx, history)?;
            let text = rules
                .iter()
                .map(|r| {
                    format!(
                        "{}{}{}",
                        r.label,
                        match (r.from, r.until) {
                            (None, None) => String::new(),
                            (f, u) => format!(
                                "（{} 至 {}）",
                                f.map(|d| d.to_string()).unwrap_or_default(),
                                u.map(|d| d.to_string()).unwrap_or_default()
                            ),
                        },
                        if r.active { "" } else { "（停用）" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out(&json!({ "rules": rules }), text)
        }
        Command::Screening { action: ScreeningAction::Run { quarter } } => {
            let s = desk.run_screening(ctx, quarter.as_deref())?;
            let text = screening_text(&s);
            out(&s, text)
        }
        Command::Screening { action: ScreeningAction::List { quarter } } => {
            let s = desk.screening(ctx, quarter.as_deref())?;
            let text = screening_text(&s);
            out(&s, text)
        }
        Command::Screening { action: ScreeningAction::Approve { member, quarter, note } } => {
            let c = desk.decide_candidate(ctx, quarter.as_deref(), &member, true, &note)?;
            let text = format!("{} {}：已选为大客户", c.member_no, c.name);
            out(&c, text)
        }
        Command::Screening { action: ScreeningAction::Dismiss { member, quarter, note } } => {
            let c = desk.decide_candidate(ctx, quarter.as_deref(), &member, false, &note)?;
            let text = format!("{} {}：不选为大客户（{}）", c.member_no, c.name, c.note);
            out(&c, text)
        }
        Command::Tiers { action: TiersAction::Evaluate { month } } => {
            let run = desk.evaluate_tiers(ctx, month.as_deref())?;
            let text = tier_run_text(&run);
            out(&run, text)
        }
        Command::Tiers { action: TiersAction::Changes { month } } => {
            let run = desk.tier_changes(ctx, &month)?;
            let text = tier_run_text(&run);
            out(&run, text)
        }
        Command::Report { action: ReportAction::Figures { from, to, branch, out: file, format } } => {
            let r = desk.figures(ctx, from.as_deref(), to.as_deref(), branch.as_deref())?;
            let mut text = figures_text(&r);
            if let Some(file) = file {
                let format = desk::export::ExportFormat::parse(&format)?;
                let bytes = r.file(format)?;
                write_file(&file, &bytes)?;
                text.push_str(&format!("\n已写入 {}", file.display()));
            }
            out(&r, text)
        }
        Command::Interaction { member, kind, at, note, score } => {
            let date = match at.as_deref() {
                None => None,
                Some(t) => Some(parse_time(t).map(|d| d.date()).ok_or_else(|| {
                    DeskError::new(ErrorCode::InvalidInput, format!("日期“{t}”无效，应为 YYYY-MM-DD"))
                })?),
            };
            let o = desk.record_interaction(ctx, &member, &kind, date, &note, score)?;
            let scored = o.score.map(|s| format!("，评分 {s}")).unwrap_or_default();
            let text = format!(
                "{} 互动 {}（{}）积分 +{}，余额 {}{scored}",
                o.member_no, o.kind, o.date, o.points, o.points_balance
            );
            out(&o, text)
        }
        Command::Backup { out: dest } => {
            let r = desk.backup(ctx, dest.as_deref())?;
            let text = format!("已备份到 {}（{} 字节）", r.file, r.bytes);
            out(&r, text)
        }
        Command::Branch { action: BranchAction::Add { code, name } } => {
            let b = desk.branch_add(ctx, &code, &name)?;
            let text = format!("已添加门店 {} {}", b.code, b.name);
            out(&b, text)
        }
        Command::Branch { action: BranchAction::List } => {
            let list = desk.branch_list(ctx)?;
            let text = list
                .iter()
                .map(|b| format!("{}  {}{}", b.code, b.name, if b.current { "  （本机）" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n");
            out(&json!({ "branches": list }), text)
        }
        Command::Migrate { to } => {
            let target = clock::with_env_password(store::Location::parse(&to));
            let r = desk.migrate_to(ctx, &target)?;
            let text = format!(
                "已复制到 {} 并核对一致：{} 位会员，积分余额合计 {}，积分批次剩余合计 {}",
                r.target, r.members, r.points_balance_total, r.lots_remaining_total
            );
            out(&r, text)
        }
        Command::Restore { file } => {
            let r = desk.restore(ctx, &file)?;
            let text = format!(
                "已从 {} 恢复（{} 位会员）；恢复前的数据保存在 {}",
                r.restored_from,
                r.members,
                r.previous_data_kept_at.as_deref().unwrap_or("-")
            );
            out(&r, text)
        }
        Command::Demo { members, months, seed } => {
            let r = desk.fill_demo(ctx, members, months, seed)?;
            let text = format!("演示数据：{} 位会员，{} 笔消费，{} 笔退货", r.members, r.purchases, r.refunds);
            out(&r, text)
        }
        Command::Staff { action: StaffAction::List } => {
            let list = desk.staff_list(ctx)?;
            let text = list
                .iter()
                .map(|s| {
                    format!(
                        "{}  {}  {}{}",
                        s.name,
                        s.role_label,
                        if s.active { "在用" } else { "停用" },
                        s.locked_until.as_deref().map(|t| format!("  锁定至 {t}")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out(&json!({ "staff": list }), text)
        }
        Command::Staff { action: StaffAction::Add { name, role, pin, branch } } => {
            let s = desk.staff_add(ctx, &name, parse_role(&role)?, &pin, branch.as_deref())?;
            let text = format!("已添加员工 {}（{}）", s.name, s.role_label);
            out(&s, text)
        }
        Command::Staff { action: StaffAction::Set { name, rename, role, pin, active, branch } } => {
            let active = match active.as_deref().map(|a| a.trim().to_ascii_lowercase()) {
                None => None,
                Some(a) if ["yes", "y", "1", "true", "是"].contains(&a.as_str()) => Some(true),
                Some(a) if ["no", "n", "0", "false", "否"].contains(&a.as_str()) => Some(false),
                Some(a) => {
                    return Err(DeskError::new(ErrorCode::InvalidInput, format!("--active “{a}” 无效：应为 yes 或 no")))
                }
            };
            let change =
                StaffChange { name: rename, role: role.as_deref().map(parse_role).transpose()?, pin, active, branch };
            let s = desk.staff_set(ctx, &name, &change)?;
            let text = format!("已更新员工 {}（{}，{}）", s.name, s.role_label, if s.active { "在用" } else { "停用" });
            out(&s, text)
        }
        Command::Audit { from, to, by_staff, action, member, out: dest, format } => {
            let q = AuditQuery { from: parse_date(&from)?, to: parse_date(&to)?, staff: by_staff, action, member };
            if let Some(dest) = dest {
                let bytes = desk.export_audit(ctx, &q, ExportFormat::parse(&format)?)?;
                write_file(&dest, &bytes)?;
                let text = format!("已导出到 {}（{} 字节）", dest.display(), bytes.len());
                return out(&json!({ "file": dest.display().to_string(), "bytes": bytes.len() }), text);
            }
            let entries = desk.audit_entries(ctx, &q)?;
            let text = entries
                .iter()
                .map(|e| {
                    format!(
                        "{}  {}  {}  {} {}  {}",
                        e.at,
                        e.staff.as_deref().unwrap_or("-"),
                        e.action,
                        e.entity,
                        e.entity_id.as_deref().unwrap_or(""),
                        e.after.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out(&json!({ "entries": entries }), text)
        }
        Command::Check => {
            let started = std::time::Instant::now();
            desk.check_integrity()?;
            let ms = started.elapsed().as_millis();
            out(&json!({ "ok": true, "ms": ms }), format!("数据文件完好（检查用时 {ms} ms）"))
        }
        Command::PrintSettings { slip_width, slip_margin, card_margin } => {
            let p = if slip_width.is_none() && slip_margin.is_none() && card_margin.is_none() {
                desk.print_settings()?
            } else {
                let input = desk::print::PrintSettingsInput {
                    slip_width,
                    slip_margin_mm: slip_margin,
                    card_margin_mm: card_margin,
                };
                desk.save_print_settings(ctx, &input)?
            };
            let text = format!(
                "小票纸宽 {} 毫米，小票边距 {} 毫米，会员卡边距 {} 毫米",
                p.slip_width.millimetres(),
                p.slip_margin_mm,
                p.card_margin_mm
            );
            out(&p, text)
        }
        Command::Status => {
            let s = desk.status()?;
            let mut text = format!(
                "营业日期 {}，开业日 {}，会员 {}，小票 {}，数据文件 {}",
                s.store_date.map(|d| d.to_string()).unwrap_or_default(),
                s.opening_day.map(|d| d.to_string()).unwrap_or_default(),
                s.members,
                s.receipts,
                s.data_file.as_deref().unwrap_or("-")
            );
            match &s.daily_backup {
                Some(b) if b.ok => text.push_str(&format!("\n每日备份 {}：成功", b.date)),
                Some(b) => {
                    text.push_str(&format!("\n每日备份 {} 失败：{}", b.date, b.message.as_deref().unwrap_or("")))
                }
                None => {}
            }
            let logs = crate::logging::folder().map(|p| p.display().to_string());
            text.push_str(&format!(
                "\n版本 {}，数据结构第 {} 版，日志 {}",
                env!("CARGO_PKG_VERSION"),
                s.schema_version,
                logs.as_deref().unwrap_or("-")
            ));
            let mut value = serde_json::to_value(&s).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
            value["version"] = json!(env!("CARGO_PKG_VERSION"));
            value["log_folder"] = json!(logs);
            out(&value, text)
        }
    }
}

/// The import's progress bar on stderr: rows checked, then rows written, with the rate and
/// the time left. indicatif draws it only when stderr is a terminal, so a script reading
/// stdout (or stderr) sees nothing of it.
fn import_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 行  {rate}  剩余 {eta}")
            .expect("a valid template")
            .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} 行/秒", state.per_sec());
            })
            .progress_chars("=> "),
    );
    bar
}

fn show_import_progress(bar: &indicatif::ProgressBar, p: desk::import::ImportProgress) {
    let stage = match p.stage {
        desk::import::ImportStage::Checking => "检查",
        desk::import::ImportStage::Writing => "写入",
    };
    bar.set_length(p.total as u64);
    if bar.message() != stage {
        bar.reset();
        bar.set_message(stage);
    }
    bar.set_position(p.done as u64);
}
