//! Printing what the window shows (the member card, the till slip) on paper of the given
//! size: through the system's print dialog, or straight to a PDF file without any dialog
//! (print preview and print-to-PDF work headless, so tests can read what would be printed).
//! On Linux this is WebKitGTK's print operation with a custom paper size; elsewhere the
//! webview's own print.

use std::path::Path;

/// The paper: its size and that the page has no margins of its own (the layout has them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paper {
    pub width_mm: f64,
    pub height_mm: f64,
}

/// Prints the window's page on `paper`: to `pdf` when given, else through the print dialog.
/// Returns when the printing has finished (or the dialog was cancelled).
#[cfg(target_os = "linux")]
pub fn print_page<R: tauri::Runtime>(
    window: &tauri::WebviewWindow<R>,
    paper: Paper,
    pdf: Option<&Path>,
) -> Result<(), String> {
    use gtk::prelude::WidgetExt;
    use webkit2gtk::PrintOperationExt;
    let (done, wait) = std::sync::mpsc::channel::<Result<(), String>>();
    let uri = pdf.map(|p| format!("file://{}", p.display()));
    window
        .with_webview(move |platform| {
            let view = platform.inner();
            let op = webkit2gtk::PrintOperation::new(&view);
            let size =
                gtk::PaperSize::new_custom("memberdesk", "MemberDesk", paper.width_mm, paper.height_mm, gtk::Unit::Mm);
            let setup = gtk::PageSetup::new();
            setup.set_paper_size(&size);
            for set in [
                gtk::PageSetup::set_top_margin,
                gtk::PageSetup::set_bottom_margin,
                gtk::PageSetup::set_left_margin,
                gtk::PageSetup::set_right_margin,
            ] {
                set(&setup, 0.0, gtk::Unit::Mm);
            }
            let settings = gtk::PrintSettings::new();
            settings.set_paper_size(&size);
            op.set_page_setup(&setup);
            let failed = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
            let seen = failed.clone();
            op.connect_failed(move |_, e| *seen.borrow_mut() = Some(e.to_string()));
            let finished = done.clone();
            op.connect_finished(move |_| {
                let _ = finished.send(failed.borrow_mut().take().map_or(Ok(()), Err));
            });
            match uri {
                Some(uri) => {
                    // GTK's file printer, named in the language GTK speaks here.
                    settings.set_printer(&gtk::glib::dgettext(Some("gtk30"), "Print to File"));
                    settings.set(gtk::PRINT_SETTINGS_OUTPUT_FILE_FORMAT, Some("pdf"));
                    settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(&uri));
                    op.set_print_settings(&settings);
                    op.print();
                }
                None => {
                    op.set_print_settings(&settings);
                    let parent = view.toplevel().and_then(|w| gtk::prelude::Cast::downcast::<gtk::Window>(w).ok());
                    if op.run_dialog(parent.as_ref()) == webkit2gtk::PrintOperationResponse::Cancel {
                        let _ = done.send(Ok(()));
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    wait.recv_timeout(std::time::Duration::from_secs(120)).map_err(|_| "打印没有完成".to_string())?
}

#[cfg(not(target_os = "linux"))]
pub fn print_page<R: tauri::Runtime>(
    window: &tauri::WebviewWindow<R>,
    _paper: Paper,
    pdf: Option<&Path>,
) -> Result<(), String> {
    if pdf.is_some() {
        return Err("此系统请在打印对话框中选择“另存为 PDF”".to_string());
    }
    window.print().map_err(|e| e.to_string())
}
