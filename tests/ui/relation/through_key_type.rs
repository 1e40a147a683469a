use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(has_many(tags, model = Tag, through = PostTag, foreign_key = "postId", key_through = "tagId"))]
pub struct Post {
    pub title: String,
}

#[derive(Serialize, Deserialize, Model)]
pub struct Tag {
    #[property(id)]
    pub code: String,
}

// tagId must hold Tag's string ids
#[derive(Serialize, Deserialize, Model)]
#[serde(rename_all = "camelCase")]
pub struct PostTag {
    pub post_id: Option<i64>,
    pub tag_id: Option<i64>,
}

fn main() {}
