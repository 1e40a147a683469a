//! The models of the locations example: they mirror the LoopBack 3 app in
//! `shared/bench/lb3` (Location, Inventory, Product).

use lb::{DateTime, GeoPoint, Model};
use serde::{Deserialize, Serialize};

/// A store location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "locations", has_many(inventory, model = Inventory, foreign_key = "locationId"))]
pub struct Location {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub zipcode: Option<f64>,
    pub name: Option<String>,
    pub geo: Option<GeoPoint>,
}

/// Stock of a product at a location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Model)]
#[model(
    path = "inventories",
    belongs_to(location, model = Location, foreign_key = "locationId")
)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub product_id: Option<String>,
    pub location_id: Option<f64>,
    pub available: Option<f64>,
    pub total: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// A product for sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "products")]
pub struct Product {
    #[property(length(max = 20), unique)]
    pub name: String,
    pub price: Option<f64>,
    pub active: Option<bool>,
    pub created: Option<DateTime>,
    pub tags: Option<Vec<String>>,
    #[property(hidden)]
    pub secret: Option<String>,
    #[property(default = "new", inclusion("new", "used", "refurbished"))]
    pub status: Option<String>,
    #[property(default = 0)]
    pub qty: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// Results per page of [`Location::nearby`].
const PAGE_SIZE: u32 = 10;

#[lb::remote_methods]
impl Location {
    /// Find nearby locations around the geo point
    #[remote_method(
        verb = "get",
        path = "/nearby",
        accepts(
            here(required, description = "geo location (lat & lng)"),
            page(description = "number of pages (page size=10)"),
            max(description = "max distance in miles"),
        ),
        returns(arg = "locations", root)
    )]
    pub async fn nearby(
        app: &lb::App,
        here: GeoPoint,
        page: Option<u32>,
        max: Option<f64>,
    ) -> lb::Result<Vec<Location>> {
        let filter = serde_json::json!({
            "where": {"geo": {"near": here, "maxDistance": max.unwrap_or(100_000.0)}},
            "skip": PAGE_SIZE * page.unwrap_or(0),
            "limit": PAGE_SIZE,
        });
        Location::find(app, filter).await
    }

    /// Stock held at this location, summed over its inventory rows
    #[remote_method(
        verb = "get",
        path = "/stock",
        returns(arg = "available", description = "units available"),
        returns(arg = "total", description = "units in total")
    )]
    pub async fn stock(&self, app: &lb::App) -> lb::Result<(f64, f64)> {
        let rows = Inventory::find(
            app,
            Inventory::filter().where_(inventory::location_id.eq(self.id.unwrap_or(0) as f64)),
        )
        .await?;
        Ok(rows.iter().fold((0.0, 0.0), |(a, t), r| {
            (a + r.available.unwrap_or(0.0), t + r.total.unwrap_or(0.0))
        }))
    }
}

#[lb::remote_methods]
impl Inventory {
    /// Adds units of a product at a location (a new inventory row when there is none)
    #[remote_method(
        verb = "post",
        path = "/restock",
        status = 201,
        accepts(
            product_id(arg = "productId", source = "form", description = "the product"),
            location_id(arg = "locationId", source = "form", description = "the location"),
            amount(source = "form", description = "units received"),
        ),
        returns(arg = "inventory", root)
    )]
    pub async fn restock(
        app: &lb::App,
        product_id: String,
        location_id: i64,
        amount: u32,
    ) -> lb::Result<Inventory> {
        let filter = Inventory::filter()
            .where_(inventory::product_id.eq(product_id.clone()))
            .where_(inventory::location_id.eq(location_id as f64));
        let amount = f64::from(amount);
        match Inventory::find_one(app, filter).await? {
            Some(row) => {
                let changes = serde_json::json!({
                    "available": row.available.unwrap_or(0.0) + amount,
                    "total": row.total.unwrap_or(0.0) + amount,
                });
                Inventory::patch_attributes(app, row.id, changes).await
            }
            None => {
                let row = Inventory {
                    product_id: Some(product_id),
                    location_id: Some(location_id as f64),
                    available: Some(amount),
                    total: Some(amount),
                    id: None,
                };
                Inventory::create(app, &row).await
            }
        }
    }
}

/// A user of the API: LoopBack's User (email, username, password, ...) plus a nickname, with
/// the notes it owns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Model)]
#[model(
    name = "user",
    plural = "users",
    has_many(notes, model = Note, foreign_key = "ownerId")
)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub nickname: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// A note: every signed-in user reads them, its owner (and an admin) changes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(
    plural = "notes",
    belongs_to(owner, model = User, foreign_key = "ownerId"),
    acl = "DENY $everyone",
    acl = "ALLOW $authenticated READ",
    acl = "ALLOW $authenticated WRITE create",
    acl = "ALLOW $owner WRITE",
    acl = "ALLOW role:admin"
)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub title: String,
    pub body: Option<String>,
    pub owner_id: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// A memo: every signed-in user reads them, only its owner writes; denials are 403.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(
    plural = "memos",
    belongs_to(owner, model = User, foreign_key = "ownerId"),
    acl = "DENY $everyone",
    acl = "ALLOW $authenticated READ",
    acl = "ALLOW $owner",
    acl_error_status = 403
)]
#[serde(rename_all = "camelCase")]
pub struct Memo {
    pub text: Option<String>,
    pub owner_id: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// The users and their access control: `user` (a User), `AccessToken`, `ACL`, `Role`,
/// `RoleMapping`, `Note` and `Memo` with their ACLs, on the datasource `db`.
pub fn with_users(builder: lb::AppBuilder) -> lb::Result<lb::AppBuilder> {
    use lb::auth::{role_mapping_model, role_model, LogMailer, UserModel, VerifyOptions};
    // the ACLs are the models' own (`#[model(acl = "..")]`); a user model switches access
    // control on (lb::rest::AclAuthorizer)
    Ok(builder
        .model::<User>()
        .model::<Note>()
        .model::<Memo>()
        .definition(lb::acl::acl_model(), "db")
        .definition(role_model(), "db")
        .definition(role_mapping_model(), "db")
        .user_model(
            UserModel::new("user")
                .mailer(LogMailer)
                .verify_options(VerifyOptions {
                    from: Some("noreply@example.com".into()),
                    ..VerifyOptions::default()
                }),
        ))
}

/// At every start, as the LoopBack 3 app's `boot/authentication.js`: the user
/// `admin@example.com` / `admin-pass` (username `admin`), the Role `admin` and the user's
/// RoleMapping to it — each skipped when it exists (a persistent datasource).
pub async fn seed_admin(app: &lb::App) -> lb::Result<()> {
    use serde_json::json;
    let repo = |name: &str| {
        app.repository(name)
            .map(|r| r.into_owned())
            .ok_or_else(|| lb::Error::internal(format!("{name} is not attached")))
    };
    let find_one = |repo: &lb::repository::Repository, w: serde_json::Value| {
        let where_ = lb::filter::parse_where(repo.model, &w, Default::default());
        let repo = repo.clone();
        async move {
            let filter = lb::Filter {
                where_: where_?,
                ..lb::Filter::default()
            };
            repo.find_one(&filter).await
        }
    };
    let users = repo("user")?;
    let admin = match find_one(&users, json!({"email": "admin@example.com"})).await? {
        Some(row) => row,
        None => {
            users
                .create(json!({"username": "admin", "email": "admin@example.com", "password": "admin-pass"}))
                .await?
        }
    };
    let admin_id = users.row_id(&admin).unwrap_or_default();
    let roles = repo("Role")?;
    let role = match find_one(&roles, json!({"name": "admin"})).await? {
        Some(row) => row,
        None => roles.create(json!({"name": "admin"})).await?,
    };
    let role_id = roles.row_id(&role).unwrap_or_default();
    let mappings = repo("RoleMapping")?;
    let principal = match &admin_id {
        serde_json::Value::String(s) => json!(s),
        other => json!(other.to_string()),
    };
    let mapping = json!({"principalType": "USER", "principalId": principal, "roleId": role_id});
    if find_one(&mappings, mapping.clone()).await?.is_none() {
        mappings.create(mapping).await?;
    }
    Ok(())
}
