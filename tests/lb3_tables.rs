//! An LB3 app's users, tokens, roles and ACLs read as LoopBack 3 left them: the tables
//! `user`, `AccessToken`, `ACL`, `Role` and `RoleMapping` are created with the column layout
//! LoopBack's SQL connectors give them (`loopback-connector-postgresql`: lower-case names,
//! TEXT, SERIAL, TIMESTAMP WITH TIME ZONE; `loopback-connector-mysql`: names as declared,
//! VARCHAR(512), INT(11) AUTO_INCREMENT, DATETIME, TINYINT(1)), filled with rows as LoopBack
//! writes them (a bcrypt password, a 64-character token), and an lb app on the same database
//! logs the user in, accepts the LoopBack token, maps the admin role and honours the ACL row.

mod support;

use axum::http::StatusCode;
use lb::auth::{role_mapping_model, role_model, UserModel};
use lb::{App, SqlConnector};
use serde_json::json;
use support::call;
use support::models::{Note, User};

const TOKEN: &str = "lb3TokenAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRST";

/// LoopBack 3's DDL for the five tables (and lb's Note), per connector.
fn ddl(postgres: bool) -> Vec<&'static str> {
    if postgres {
        vec![
            r#"DROP TABLE IF EXISTS "user", "accesstoken", "acl", "role", "rolemapping", "note""#,
            r#"CREATE TABLE "user" ("realm" TEXT, "username" TEXT, "password" TEXT NOT NULL, "email" TEXT NOT NULL, "emailverified" BOOLEAN, "verificationtoken" TEXT, "id" SERIAL, PRIMARY KEY ("id"))"#,
            r#"CREATE TABLE "accesstoken" ("id" TEXT NOT NULL, "ttl" INTEGER DEFAULT 1209600, "scopes" TEXT, "created" TIMESTAMP WITH TIME ZONE, "userid" INTEGER, PRIMARY KEY ("id"))"#,
            r#"CREATE TABLE "acl" ("model" TEXT, "property" TEXT, "accesstype" TEXT, "permission" TEXT, "principaltype" TEXT, "principalid" TEXT, "id" SERIAL, PRIMARY KEY ("id"))"#,
            r#"CREATE TABLE "role" ("id" SERIAL, "name" TEXT NOT NULL, "description" TEXT, "created" TIMESTAMP WITH TIME ZONE, "modified" TIMESTAMP WITH TIME ZONE, PRIMARY KEY ("id"))"#,
            r#"CREATE TABLE "rolemapping" ("id" SERIAL, "principaltype" TEXT, "principalid" TEXT, "roleid" INTEGER, PRIMARY KEY ("id"))"#,
            r#"CREATE INDEX "rolemapping_principalid_idx" ON "rolemapping" ("principalid")"#,
        ]
    } else {
        vec![
            "DROP TABLE IF EXISTS `user`, `AccessToken`, `ACL`, `Role`, `RoleMapping`, `Note`",
            "CREATE TABLE `user` (`id` INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, `realm` VARCHAR(512) NULL, `username` VARCHAR(512) NULL, `password` VARCHAR(512) NOT NULL, `email` VARCHAR(512) NOT NULL, `emailVerified` TINYINT(1) NULL, `verificationToken` VARCHAR(512) NULL)",
            "CREATE TABLE `AccessToken` (`id` VARCHAR(255) NOT NULL PRIMARY KEY, `ttl` INT(11) NULL, `scopes` TEXT NULL, `created` DATETIME NULL, `userId` INT(11) NULL)",
            "CREATE TABLE `ACL` (`id` INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, `model` VARCHAR(512) NULL, `property` VARCHAR(512) NULL, `accessType` VARCHAR(512) NULL, `permission` VARCHAR(512) NULL, `principalType` VARCHAR(512) NULL, `principalId` VARCHAR(512) NULL)",
            "CREATE TABLE `Role` (`id` INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` VARCHAR(512) NOT NULL, `description` VARCHAR(512) NULL, `created` DATETIME NULL, `modified` DATETIME NULL)",
            "CREATE TABLE `RoleMapping` (`id` INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, `principalType` VARCHAR(512) NULL, `principalId` VARCHAR(255) NULL, `roleId` INT(11) NULL, INDEX `principalId` (`principalId`))",
        ]
    }
}

/// The rows as LoopBack 3 wrote them: two users (bcrypt, cost 10), a token of the first,
/// the role `admin` of the second, and an ACL row.
fn rows(postgres: bool, hash_ann: &str, hash_admin: &str) -> Vec<&'static str> {
    let q = |s: &str| {
        if postgres {
            format!("\"{}\"", s.to_lowercase())
        } else {
            format!("`{s}`")
        }
    };
    let now = if postgres { "NOW()" } else { "UTC_TIMESTAMP()" };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    vec![
        leak(format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES ('ann', '{hash_ann}', 'ann@example.com', {})",
            q("user"), q("username"), q("password"), q("email"), q("emailVerified"),
            if postgres { "true" } else { "1" }
        )),
        leak(format!(
            "INSERT INTO {} ({}, {}, {}) VALUES ('admin', '{hash_admin}', 'admin@example.com')",
            q("user"), q("username"), q("password"), q("email")
        )),
        leak(format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES ('{TOKEN}', 1209600, {now}, 1)",
            q("AccessToken"), q("id"), q("ttl"), q("created"), q("userId")
        )),
        leak(format!("INSERT INTO {} ({}, {}) VALUES ('admin', {now})", q("Role"), q("name"), q("created"))),
        leak(format!(
            "INSERT INTO {} ({}, {}, {}) VALUES ('USER', '2', 1)",
            q("RoleMapping"), q("principalType"), q("principalId"), q("roleId")
        )),
        leak(format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ('Note', 'count', '*', 'DENY', 'ROLE', '$everyone')",
            q("ACL"), q("model"), q("property"), q("accessType"), q("permission"), q("principalType"), q("principalId")
        )),
    ]
}

#[tokio::test]
async fn loopback3_tables_are_read_as_they_are() {
    let urls: Vec<String> = support::datasource_urls()
        .into_iter()
        .filter(|u| u.starts_with("postgres") || u.starts_with("mysql"))
        .collect();
    if urls.is_empty() {
        eprintln!("SKIPPED loopback3_tables_are_read_as_they_are: no DATABASE_URL_POSTGRES / DATABASE_URL_MYSQL");
    }
    // bcrypt as LoopBack 3 stores it (bcryptjs: `$2a$`, cost 10)
    let hash = |p: &str| bcrypt::hash(p, 10).unwrap().replacen("$2b$", "$2a$", 1);
    let (hash_ann, hash_admin) = (hash("ann-pass"), hash("admin-pass"));
    for url in urls {
        let postgres = url.starts_with("postgres");
        let _g = support::database_lock(&url).await;
        let db = SqlConnector::open(&url).unwrap();
        for s in ddl(postgres)
            .into_iter()
            .chain(rows(postgres, &hash_ann, &hash_admin))
        {
            db.execute(s)
                .await
                .unwrap_or_else(|e| panic!("{url}: {s}: {e}"));
        }
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .model::<User>()
            .model::<Note>()
            .definition(lb::acl::acl_model(), "db")
            .definition(role_model(), "db")
            .definition(role_mapping_model(), "db")
            .user_model(UserModel::new("user"))
            .debug(true)
            .authorizer(lb::rest::AclAuthorizer::new())
            .build()
            .unwrap();
        // what lb adds (the Note table, the user's nickname column); LoopBack's stay as they are
        app.autoupdate()
            .await
            .unwrap_or_else(|e| panic!("{url}: autoupdate: {e}"));
        // the token LoopBack issued is accepted
        let (s, me) = call(&app, "GET", "/api/users/1", Some(TOKEN), None).await;
        assert_eq!(s, StatusCode::OK, "{url}: {me}");
        assert_eq!(me["email"], "ann@example.com", "{url}");
        assert!(me.get("password").is_none());
        // the bcrypt password logs in, and is Argon2id from then on
        let (s, login) = call(
            &app,
            "POST",
            "/api/users/login",
            None,
            Some(json!({"email": "ann@example.com", "password": "ann-pass"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {login}");
        let users = app.repository("user").unwrap();
        let row = users.find_by_id(&json!(1), None).await.unwrap().unwrap();
        let stored = row.get("password").unwrap().into_owned();
        assert!(
            stored.as_str().unwrap().starts_with("$argon2id$"),
            "{url}: {stored}"
        );
        let fresh = login["id"].as_str().unwrap().to_string();
        // the LoopBack token survived the rehash
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(TOKEN), None).await.0,
            StatusCode::OK,
            "{url}"
        );
        // a note of ann's; the admin (RoleMapping USER "2" → Role 1) may change it
        let (s, note) = call(
            &app,
            "POST",
            "/api/notes",
            Some(&fresh),
            Some(json!({"title": "t", "ownerId": 1})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {note}");
        let (_, admin) = call(
            &app,
            "POST",
            "/api/users/login",
            None,
            Some(json!({"email": "admin@example.com", "password": "admin-pass"})),
        )
        .await;
        let admin = admin["id"].as_str().unwrap().to_string();
        let (s, v) = call(
            &app,
            "PATCH",
            &format!("/api/notes/{}", note["id"]),
            Some(&admin),
            Some(json!({"body": "by admin"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        // the ACL row denies count to everyone
        assert_eq!(
            call(&app, "GET", "/api/notes/count", Some(&fresh), None)
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        assert_eq!(
            call(&app, "GET", "/api/notes", Some(&fresh), None).await.0,
            StatusCode::OK,
            "{url}"
        );
        // logout deletes LoopBack's row
        assert_eq!(
            call(&app, "POST", "/api/users/logout", Some(TOKEN), None)
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(TOKEN), None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        // a new role mapping in LoopBack's table (a SERIAL id)
        let mapping = app
            .repository("RoleMapping")
            .unwrap()
            .create(json!({"principalType": "USER", "principalId": "1", "roleId": 1}))
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(mapping.get("id").unwrap().into_owned(), json!(2), "{url}");
        // the tables go, so the next test finds lb's own layout
        db.execute(ddl(postgres)[0]).await.unwrap();
    }
}
