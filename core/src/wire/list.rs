//! Cursor-paged lists of items (`ResponseItemList`, `ConversationItemList`) and their order.

use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::open_enum::open_enum;

open_enum! {
    /// The order of a listing (`order` query parameter).
    ListOrder {
        /// `asc`: oldest first.
        Asc => "asc",
        /// `desc`: newest first (the API's default).
        Desc => "desc",
    }
}

wire_struct! {
    /// One page of items: `GET responses/{id}/input_items` (`ResponseItemList`) and the
    /// conversation item endpoints (`ConversationItemList`).
    ///
    /// `first_id` and `last_id` are the cursors: the next page of the same order starts
    /// `after` `last_id`. Item types this crate does not model are kept verbatim
    /// ([`ResponseItem::Other`]).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ItemList {
        /// Always `list`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// The items of this page.
        #[serde(default)]
        pub data: Vec<ResponseItem>,
        /// The id of the first item of the page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub first_id: Option<String>,
        /// The id of the last item of the page: the cursor of the next page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub last_id: Option<String>,
        /// Whether more items follow this page.
        #[serde(default)]
        pub has_more: bool,
    }
}
