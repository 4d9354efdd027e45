//! Wallet: its users' data, the partners they grant access to, and who read it.

use futures::Stream;
use rampflow_actors::model::{OrderId, PartnerId, Timestamp, UserRef};
use serde::{Deserialize, Serialize};

use crate::client::{Call, Page, PageRequest};
use crate::{Client, Error};

/// A user's data (`PUT /v1/users/{user_ref}`): every field optional; the server validates
/// them (422 names the field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// ISO 3166-1 alpha-2 (`NG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<IdentityDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<BankAccount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    /// `passport`, `national_id`, `driving_license` or `residence_permit`.
    #[serde(rename = "type")]
    pub document_type: String,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    pub account_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<String>,
}

/// A user as the API shows it: its reference, its data and when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub user_ref: UserRef,
    #[serde(flatten)]
    pub data: UserData,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A partner the user granted access to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub partner_id: PartnerId,
    pub granted_at: Timestamp,
}

/// One read of the user's data by a partner, through an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub partner_id: PartnerId,
    pub order_id: OrderId,
    pub at: Timestamp,
}

/// Users and grants (wallet).
impl Client {
    /// `PUT /v1/users/{user_ref}` (wallet): creates or replaces the user's data.
    pub async fn put_user(&self, user_ref: &UserRef, data: &UserData) -> Result<User, Error> {
        self.json(Call::put(&["v1", "users", user_ref.as_str()], data))
            .await
    }

    /// `GET /v1/users/{user_ref}` (wallet).
    pub async fn get_user(&self, user_ref: &UserRef) -> Result<User, Error> {
        self.json(Call::get(&["v1", "users", user_ref.as_str()]))
            .await
    }

    /// `DELETE /v1/users/{user_ref}` (wallet): erases the data; orders keep their ids.
    pub async fn delete_user(&self, user_ref: &UserRef) -> Result<(), Error> {
        self.empty(Call::delete(&["v1", "users", user_ref.as_str()]))
            .await
    }

    /// `PUT /v1/users/{user_ref}/grants/{partner_id}` (wallet): the partner may read the
    /// user's data through its orders, and the wallet may route orders of the user to it.
    pub async fn grant(&self, user_ref: &UserRef, partner: &PartnerId) -> Result<Grant, Error> {
        let partner = partner.to_string();
        let path = ["v1", "users", user_ref.as_str(), "grants", &partner];
        self.json(Call::put_bare(&path)).await
    }

    /// `DELETE /v1/users/{user_ref}/grants/{partner_id}` (wallet).
    pub async fn revoke(&self, user_ref: &UserRef, partner: &PartnerId) -> Result<(), Error> {
        let partner = partner.to_string();
        let path = ["v1", "users", user_ref.as_str(), "grants", &partner];
        self.empty(Call::delete(&path)).await
    }

    /// `GET /v1/users/{user_ref}/grants` (wallet), one page.
    pub async fn list_grants(
        &self,
        user_ref: &UserRef,
        page: &PageRequest,
    ) -> Result<Page<Grant>, Error> {
        let call = Call::get(&["v1", "users", user_ref.as_str(), "grants"]).page(page);
        self.json(call).await
    }

    /// Every grant of the user (wallet), following cursors.
    pub fn grants(&self, user_ref: &UserRef) -> impl Stream<Item = Result<Grant, Error>> + Send {
        self.paginate(Call::get(&["v1", "users", user_ref.as_str(), "grants"]))
    }

    /// `GET /v1/users/{user_ref}/access-log` (wallet), newest first, one page.
    pub async fn list_access_log(
        &self,
        user_ref: &UserRef,
        page: &PageRequest,
    ) -> Result<Page<Access>, Error> {
        let call = Call::get(&["v1", "users", user_ref.as_str(), "access-log"]).page(page);
        self.json(call).await
    }

    /// The whole access log of the user (wallet), newest first, following cursors.
    pub fn access_log(
        &self,
        user_ref: &UserRef,
    ) -> impl Stream<Item = Result<Access, Error>> + Send {
        self.paginate(Call::get(&["v1", "users", user_ref.as_str(), "access-log"]))
    }

    /// `GET /v1/orders/{id}/user` (the order's partner): the user's data while the grant
    /// stands, 403 `access_not_granted` once revoked. The wallet sees the read in its log.
    pub async fn order_user(&self, order: &OrderId) -> Result<User, Error> {
        let id = order.to_string();
        self.json(Call::get(&["v1", "orders", &id, "user"])).await
    }
}
