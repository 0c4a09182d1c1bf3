//! A secret string whose `Debug` and `Display` never show its contents.
