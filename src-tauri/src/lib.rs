//! MemberDesk's app crate: the Tauri shell of the desktop app and the command line. Both
//! are thin: they read the clock and the arguments, call the `desk` operations and show
//! the result or the `{code, message}` error.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod connection;
pub mod logging;
pub mod printing;
pub mod state;

use state::AppState;

/// Registers the app's state and commands on a builder (the real one, or the mock
/// runtime's in tests).
pub fn app_builder<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(tauri::generate_handler![
        commands::app_status,
        commands::store_connection,
        commands::store_connection_test,
        commands::store_connect,
        commands::store_disconnect,
        commands::session_status,
        commands::staff_setup,
        commands::demo_start,
        commands::sign_in,
        commands::sign_out,
        commands::session_lock,
        commands::staff_list,
        commands::staff_add,
        commands::staff_set,
        commands::audit_query,
        commands::audit_export,
        commands::member_notes,
        commands::contact_entry,
        commands::member_search,
        commands::member_show,
        commands::member_enroll,
        commands::member_update,
        commands::member_archive,
        commands::member_history,
        commands::receipt_suggest,
        commands::checkout,
        commands::refund,
        commands::points_adjust,
        commands::demo_fill,
        commands::interaction_record,
        commands::tier_review,
        commands::tier_evaluate,
        commands::tier_export,
        commands::settings_get,
        commands::settings_save,
        commands::checkout_quote,
        commands::catalog,
        commands::redeem,
        commands::redeem_options,
        commands::catalog_save,
        commands::coupon_templates,
        commands::coupon_template_save,
        commands::contact_queue,
        commands::contact_sms_batches,
        commands::contact_record,
        commands::contact_export,
        commands::contact_settings,
        commands::contact_script_save,
        commands::holiday_save,
        commands::figures,
        commands::figures_export,
        commands::screening_run,
        commands::screening_list,
        commands::screening_decide,
        commands::member_vip,
        commands::member_card_code,
        commands::member_sv_pin,
        commands::sv_top_up,
        commands::print_card,
        commands::print_slip,
        commands::print_page,
        commands::sv_top_up_quote,
        commands::sv_payout,
        commands::sv_rules,
        commands::sv_rule_save,
        commands::sv_rule_stop,
        commands::sv_export,
        commands::member_duplicates,
        commands::member_merge_preview,
        commands::member_merge,
        commands::member_erase,
        commands::branch_list,
        commands::import_file,
        commands::app_about,
        commands::log_tail,
        commands::print_settings,
        commands::print_settings_save,
    ])
}

/// Runs the desktop app on the default data file (or the saved shared server). One window
/// per PC: a second start hands over to the open window, which comes to the front, and
/// exits (`single_instance_guard`).
pub fn run_desktop() {
    let location = connection::desktop_location(&clock::app_folder());
    logging::init(&logging::folder_for(&location));
    logging::info(&format!("MemberDesk {} starts (window) on {location}", env!("CARGO_PKG_VERSION")));
    let state = AppState::open(location);
    let mut builder = tauri::Builder::default();
    if single_instance_guard() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            use tauri::Manager;
            logging::info("a second start of the app: the open window comes to the front");
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }));
    }
    app_builder(builder, state).run(tauri::generate_context!()).expect("error while running MemberDesk");
}

/// Whether this start keeps to one window per PC. A start on a store named by
/// `MEMBERDESK_DB` (training, scripts, tests: a store of its own) runs beside the PC's own.
/// On Linux the guard is a name on the desktop session's D-Bus; without a session bus (a
/// bare X server) there is nothing to guard with.
fn single_instance_guard() -> bool {
    if clock::env_text(clock::DB_ENV).is_some() {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        let has_bus = clock::env_text("DBUS_SESSION_BUS_ADDRESS").is_some()
            || clock::env_text("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
        if !has_bus {
            return false;
        }
    }
    true
}
