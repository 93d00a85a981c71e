//! Saves jobs in IndexedDB on every change, so a page reload loses nothing: finished
//! results come back with their files, async jobs resume polling by their request id,
//! and a request cut by the reload can be sent again. The API key is never saved: it
//! travels in a header, never in a job. When storage fails (private mode, quota), the
//! service keeps working in memory and warns once.

use super::js::spawn;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/web/store.js")]
extern "C" {
    #[wasm_bindgen(js_name = openJobStore, catch)]
    fn open_job_store(name: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = putJob, catch)]
    fn put_job(db: &JsValue, record: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = deleteJob, catch)]
    fn delete_job(db: &JsValue, id: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = loadJobs, catch)]
    fn load_jobs(db: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// Where the service's jobs are saved; shared by its tasks.
#[derive(Clone)]
pub struct Store(Rc<Inner>);

struct Inner {
    name: String,
    db: RefCell<Option<JsValue>>,
    failed: Cell<bool>,
    /// Changes made before the database opened, in order, to write once it has.
    waiting: RefCell<Vec<Change>>,
}

/// One change to the stored jobs.
enum Change {
    Save(JsValue),
    Delete(String),
}

impl Store {
    /// A store for the database `name`; nothing is opened until [`Store::open`].
    pub fn new(name: &str) -> Self {
        Store(Rc::new(Inner {
            name: name.to_string(),
            db: RefCell::new(None),
            failed: Cell::new(false),
            waiting: RefCell::default(),
        }))
    }

    /// Opens the database and writes the changes made meanwhile. On failure the store
    /// stays off and warns once.
    pub async fn open(&self) {
        if self.0.db.borrow().is_some() || self.0.failed.get() {
            return;
        }
        match settle(open_job_store(&self.0.name)).await {
            Ok(db) => {
                if self.0.db.borrow().is_none() {
                    *self.0.db.borrow_mut() = Some(db);
                }
                for change in self.0.waiting.take() {
                    match change {
                        Change::Save(record) => self.save(record),
                        Change::Delete(id) => self.delete(&id),
                    }
                }
            }
            Err(error) => self.give_up(&error),
        }
    }

    /// Every saved record; empty when storage is off or fails.
    pub async fn load(&self) -> Vec<JsValue> {
        let Some(db) = self.db() else { return Vec::new() };
        match settle(load_jobs(&db)).await {
            Ok(records) => js_sys::Array::from(&records).to_vec(),
            Err(error) => {
                self.give_up(&error);
                Vec::new()
            }
        }
    }

    /// Saves `record` in the background (once the database is open).
    pub fn save(&self, record: JsValue) {
        let Some(db) = self.db() else {
            self.wait(Change::Save(record));
            return;
        };
        let store = self.clone();
        spawn(async move {
            if let Err(error) = settle(put_job(&db, &record)).await {
                store.give_up(&error);
            }
        });
    }

    /// Forgets job `id` in the background (once the database is open).
    pub fn delete(&self, id: &str) {
        let Some(db) = self.db() else {
            self.wait(Change::Delete(id.to_string()));
            return;
        };
        let (store, id) = (self.clone(), id.to_string());
        spawn(async move {
            if let Err(error) = settle(delete_job(&db, &id)).await {
                store.give_up(&error);
            }
        });
    }

    /// Keeps a change for when the database opens; nothing is kept once storage failed.
    fn wait(&self, change: Change) {
        if !self.0.failed.get() {
            self.0.waiting.borrow_mut().push(change);
        }
    }

    fn db(&self) -> Option<JsValue> {
        if self.0.failed.get() {
            return None;
        }
        self.0.db.borrow().clone()
    }

    fn give_up(&self, error: &JsValue) {
        if !self.0.failed.replace(true) {
            let line = "livepeer: jobs cannot be saved in this browser tab (the error \
                        follows); they are kept in memory only and a reload will lose them";
            web_sys::console::warn_2(&line.into(), error);
        }
        *self.0.db.borrow_mut() = None;
        self.0.waiting.borrow_mut().clear();
    }
}

async fn settle(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise?).await
}
