//! The document's font: DejaVu Sans, measured with `ttf-parser` and
//! embedded as a CID-keyed TrueType font (Type0 / CIDFontType2,
//! Identity-H), subset by `subsetter` to the glyphs the document uses.
//!
//! Every distinct character gets a CID of its own, and the CIDs map to
//! glyphs through a CIDToGIDMap stream. So the ToUnicode map always names
//! one character per CID, and text extracted from the PDF is exactly the
//! text written, even where two characters share a glyph or where the font
//! lacks one (it is then drawn as the replacement glyph but still reads
//! back as itself).

use super::PdfError;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use ttf_parser::{Face, GlyphId};

/// The font's two weights; the document uses no other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Identity ordering: CIDs mean nothing outside this document.
const SYSTEM_INFO: SystemInfo = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

/// Drawn for a character the font has no glyph for.
const REPLACEMENT: char = '\u{FFFD}';

/// The font in both weights.
pub struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    pub fn new() -> Result<Self, PdfError> {
        Ok(Self { regular: Font::new(Weight::Regular)?, bold: Font::new(Weight::Bold)? })
    }

    pub fn get(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    pub fn get_mut(&mut self, weight: Weight) -> &mut Font {
        match weight {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }
}

/// One weight of the font, and the characters the document has drawn with it.
pub struct Font {
    face: Face<'static>,
    data: &'static [u8],
    postscript_name: &'static str,
    units_per_em: f32,
    fallback: GlyphId,
    /// The characters drawn, in the order first drawn; the CID of the
    /// character at index `i` is `i + 1` (CID 0 is `.notdef`).
    drawn: Vec<(char, GlyphId)>,
    cids: BTreeMap<char, u16>,
}

impl Font {
    pub fn new(weight: Weight) -> Result<Self, PdfError> {
        let (data, postscript_name) = match weight {
            Weight::Regular => (dejavu::sans::regular(), "DejaVuSans"),
            Weight::Bold => (dejavu::sans::bold(), "DejaVuSans-Bold"),
        };
        let face = Face::parse(data, 0).map_err(|e| PdfError::Font(e.to_string()))?;
        let fallback = face.glyph_index(REPLACEMENT).unwrap_or(GlyphId(0));
        let units_per_em = f32::from(face.units_per_em());
        Ok(Self { face, data, postscript_name, units_per_em, fallback, drawn: Vec::new(), cids: BTreeMap::new() })
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(self.fallback)
    }

    /// The advance of `glyph` in thousandths of the font size (PDF glyph space).
    fn advance(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) * 1000.0 / self.units_per_em
    }

    /// How wide `text` is at `size` points. Without kerning or shaping, as
    /// it is drawn.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }

    /// `text` as the two-byte CIDs the content stream shows.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            out.extend_from_slice(&self.cid(c).to_be_bytes());
        }
        out
    }

    fn cid(&mut self, c: char) -> u16 {
        if let Some(&cid) = self.cids.get(&c) {
            return cid;
        }
        // Past 65,535 distinct characters (only a hostile document has
        // them) the rest are drawn as .notdef.
        let Ok(cid) = u16::try_from(self.drawn.len() + 1) else { return 0 };
        let glyph = self.glyph(c);
        self.drawn.push((c, glyph));
        self.cids.insert(c, cid);
        cid
    }

    /// Writes the font's objects, the Type0 font being `type0`, and takes
    /// the five references after it for the others.
    pub fn write(&self, pdf: &mut Pdf, type0: Ref) -> Result<(), PdfError> {
        let [cid_font, descriptor, to_unicode, cid_to_gid, file] =
            std::array::from_fn(|i| Ref::new(type0.get() + 1 + i as i32));

        let mut remapper = subsetter::GlyphRemapper::new();
        for &(_, glyph) in &self.drawn {
            remapper.remap(glyph.0);
        }
        let subset = subsetter::subset(self.data, 0, &remapper).map_err(|e| PdfError::Font(e.to_string()))?;
        let base_font = format!("{}+{}", self.subset_tag(), self.postscript_name);
        let base_font = Name(base_font.as_bytes());

        pdf.type0_font(type0)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_font)
            .to_unicode(to_unicode);

        let widths: Vec<f32> = std::iter::once(self.advance(GlyphId(0)))
            .chain(self.drawn.iter().map(|&(_, glyph)| self.advance(glyph)))
            .collect();
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(SYSTEM_INFO)
            .font_descriptor(descriptor)
            .cid_to_gid_map_stream(cid_to_gid);
        cid.widths().consecutive(0, widths);
        cid.finish();

        let scale = |v: i16| f32::from(v) * 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        let weight = self.face.weight().to_number();
        pdf.font_descriptor(descriptor)
            .name(base_font)
            // Symbolic: its glyphs go beyond the standard Latin set.
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max)))
            .italic_angle(self.face.italic_angle())
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            // The usual estimate from the weight class, as no table holds it.
            .stem_v(10.0 + 0.244 * (f32::from(weight) - 50.0))
            .font_file2(file);

        let cmap_name = Name(b"Lyceum-UTF16");
        let mut map = UnicodeCmap::<u16>::new(cmap_name, SYSTEM_INFO);
        for (i, &(c, _)) in self.drawn.iter().enumerate() {
            map.pair(i as u16 + 1, c);
        }
        let map = compress(&map.finish());
        pdf.cmap(to_unicode, &map).name(cmap_name).system_info(SYSTEM_INFO).filter(Filter::FlateDecode);

        let gids: Vec<u8> = std::iter::once(0u16)
            .chain(self.drawn.iter().map(|&(_, glyph)| remapper.get(glyph.0).unwrap_or(0)))
            .flat_map(u16::to_be_bytes)
            .collect();
        pdf.stream(cid_to_gid, &compress(&gids)).filter(Filter::FlateDecode);

        pdf.stream(file, &compress(&subset))
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), i32::try_from(subset.len()).unwrap_or(i32::MAX));
        Ok(())
    }

    /// Six capitals naming the subset (PDF 32000-1, 9.6.4), derived from its
    /// characters so the same document always gets the same tag.
    fn subset_tag(&self) -> String {
        // FNV-1a: any stable hash does.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &(c, _) in &self.drawn {
            for byte in (c as u32).to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        (0..6)
            .map(|_| {
                let letter = char::from(b'A' + (hash % 26) as u8);
                hash /= 26;
                letter
            })
            .collect()
    }
}

/// zlib (what FlateDecode reads), at the default level: most of a PDF's
/// size is its font, which this roughly halves.
pub fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
