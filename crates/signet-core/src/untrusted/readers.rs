//! The parsers for files that come from customers. They run only inside the
//! confined reader process (`signet-parse`, see `super::child`): a crafted file may
//! crash, loop or exhaust them, and then it takes only that process down.
//!
//! Public for the fuzz targets and the in-process baseline benchmark, which drive
//! them directly; the desk and the command line go through `super::read`.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

/// An image larger than this (in pixels) is no ID photo: 100 megapixels is well
/// above any phone camera. Checked on the header, before anything is decoded.
pub const MAX_PIXELS: u64 = 100_000_000;
/// What the image decoder may allocate for one picture.
const MAX_IMAGE_ALLOC: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

/// What the desk asks of a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Job {
    /// The text of every page of a PDF contract, in order.
    ContractPages,
    /// The page count of a PDF document and the text of its first page.
    PdfFacts,
    /// The size of an image, decoded in full, and a small PNG thumbnail.
    ImageFacts(ImageFormat),
    /// Pages `first..first + count` (0-based) of a PDF drawn as typeset, as PNG images
    /// `width` pixels wide.
    RenderPages { width: u32, first: u32, count: u32 },
    /// Tries what a confined reader must not be able to do (tests, diagnostics).
    Probe,
}

/// What the reader found, or why it refused the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Pages(Vec<String>),
    Pdf {
        pages: u32,
        encrypted: bool,
        first_page_text: Option<String>,
    },
    Image {
        width: u32,
        height: u32,
        thumbnail_png: Vec<u8>,
    },
    Rendered {
        total: u32,
        pages: Vec<Vec<u8>>,
    },
    Probe(ProbeReport),
    /// The file is not what it should be (damaged, not a PDF, ...): the reason, for
    /// the operator, ending with what to do.
    Refused(String),
}

/// What the confinement let through, attempt by attempt (`true`: it was refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub confinement: Vec<String>,
    pub read_a_file_refused: bool,
    pub write_a_file_refused: bool,
    pub open_a_socket_refused: bool,
    pub run_a_program_refused: bool,
}

pub fn run(job: &Job, bytes: &[u8]) -> Reply {
    match job {
        Job::ContractPages => match pdf_pages(bytes) {
            Ok(pages) => Reply::Pages(pages),
            Err(why) => Reply::Refused(why),
        },
        Job::PdfFacts => pdf_facts(bytes),
        Job::ImageFacts(format) => image_facts(bytes, *format),
        Job::RenderPages { width, first, count } => match render_pages(bytes, *width, *first, *count) {
            Ok((total, pages)) => Reply::Rendered { total, pages },
            Err(why) => Reply::Refused(why),
        },
        Job::Probe => Reply::Probe(probe(Vec::new())),
    }
}

/// The text of each page, as pdf-extract lays it out.
pub fn pdf_pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    // A panic in the extractor is a damaged file, not a crash of the reader.
    std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|_| "its structure is damaged".to_string())?
        .map_err(|e| e.to_string())
}

fn pdf_facts(bytes: &[u8]) -> Reply {
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(e) => return Reply::Refused(format!("the PDF cannot be read ({e}). Save it again from the program that made it.")),
    };
    let encrypted = doc.is_encrypted();
    let pages = doc.get_pages().len() as u32;
    let first_page_text = if encrypted || pages == 0 {
        None
    } else {
        pdf_pages(bytes)
            .ok()
            .and_then(|p| p.into_iter().next())
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(280).collect::<String>())
            .filter(|t| !t.is_empty())
    };
    Reply::Pdf { pages, encrypted, first_page_text }
}

fn image_facts(bytes: &[u8], format: ImageFormat) -> Reply {
    let format = match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
    };
    // The header first: a picture that claims to be enormous is refused before any
    // of it is decoded.
    let (width, height) = match image::ImageReader::with_format(Cursor::new(bytes), format).into_dimensions() {
        Ok(size) => size,
        Err(e) => return Reply::Refused(format!("the image cannot be decoded ({e}); it may be truncated or damaged. Copy or export it again.")),
    };
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Reply::Refused(format!(
            "the image says it is {width}×{height} pixels, far larger than any photo or scan of a document. Photograph or scan it again."
        ));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let img = match reader.decode() {
        Ok(img) => img,
        Err(e) => return Reply::Refused(format!("the image cannot be decoded ({e}); it may be truncated or damaged. Copy or export it again.")),
    };
    let mut thumbnail_png = Vec::new();
    if let Err(e) = img.thumbnail(240, 240).write_to(&mut Cursor::new(&mut thumbnail_png), image::ImageFormat::Png) {
        return Reply::Refused(format!("no preview could be made ({e})"));
    }
    Reply::Image { width: img.width(), height: img.height(), thumbnail_png }
}

/// Widest page drawn, in pixels, and most pages drawn in one go.
pub const MAX_RENDER_WIDTH: u32 = 2000;
pub const MAX_RENDER_BATCH: u32 = 10;

/// Draws pages `first..first + count` with hayro (pure Rust) on white, `width` pixels
/// wide; also says how many pages the document has.
pub fn render_pages(bytes: &[u8], width: u32, first: u32, count: u32) -> Result<(u32, Vec<Vec<u8>>), String> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{PixmapSettings, RenderCache, RenderSettings};
    let pdf = hayro::hayro_syntax::Pdf::new(bytes.to_vec()).map_err(|e| format!("its pages cannot be drawn ({e:?})"))?;
    let pages = pdf.pages();
    if !(1..=MAX_RENDER_WIDTH).contains(&width) || count > MAX_RENDER_BATCH {
        return Err(format!("pages are drawn at most {MAX_RENDER_WIDTH} pixels wide, {MAX_RENDER_BATCH} at a time"));
    }
    let cache = RenderCache::new();
    let settings = InterpreterSettings::default();
    let mut out = Vec::new();
    for page in pages.iter().skip(first as usize).take(count as usize) {
        let (w, h) = page.render_dimensions();
        if w <= 0.0 || h <= 0.0 || h / w > 20.0 || w / h > 20.0 {
            return Err("a page has a size no document has".into());
        }
        let scale = width as f32 / w;
        let pixmap = hayro::render(page, &cache, &settings, &RenderSettings::default(), &PixmapSettings { x_scale: scale, y_scale: scale, bg_color: WHITE });
        out.push(pixmap.into_png().map_err(|e| format!("a page could not be encoded ({e:?})"))?);
    }
    Ok((pages.len() as u32, out))
}

/// Each thing a reader has no business doing, tried once.
pub fn probe(confinement: Vec<String>) -> ProbeReport {
    let read_a_file_refused = std::fs::read("/etc/hostname").is_err() && std::fs::read("/proc/self/status").is_err();
    let target = std::env::temp_dir().join(format!("signet-probe-{}", std::process::id()));
    let write_a_file_refused = std::fs::write(&target, b"x").is_err();
    let _ = std::fs::remove_file(&target);
    let open_a_socket_refused = std::net::UdpSocket::bind("127.0.0.1:0").is_err() && std::net::TcpStream::connect("127.0.0.1:9").is_err();
    let run_a_program_refused = std::process::Command::new("/bin/true").status().is_err();
    ProbeReport { confinement, read_a_file_refused, write_a_file_refused, open_a_socket_refused, run_a_program_refused }
}
