//! The live view's one name space: every string of every followed journal and file gets one global id
//! here (each journal has its own string ids, so ids are translated once per journal and id).
//!
//! Invariant: id 0 is the empty name (absent), ids never change meaning and names are never removed;
//! memory grows with distinct names only (nodes, keyspaces, tables, roles, client hosts, kinds).

use std::collections::HashMap;
use std::sync::Arc;

/// Global name ids.
#[derive(Debug)]
pub struct Names {
    texts: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl Default for Names {
    fn default() -> Self {
        let empty: Arc<str> = Arc::from("");
        Names {
            texts: vec![empty.clone()],
            ids: HashMap::from([(empty, 0)]),
        }
    }
}

impl Names {
    /// The id of `text` (0 for the empty text), adding it when new.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let text: Arc<str> = Arc::from(text);
        self.texts.push(text.clone());
        self.ids.insert(text, id);
        id
    }

    /// The id of an optional text (0 when absent).
    pub fn intern_opt(&mut self, text: Option<&str>) -> u32 {
        text.map_or(0, |text| self.intern(text))
    }

    /// The text of `id` ("" for 0 or an unknown id).
    pub fn get(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", |text| text)
    }

    /// Distinct names.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether only the empty name exists.
    pub fn is_empty(&self) -> bool {
        self.texts.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_zero_is_empty() {
        let mut names = Names::default();
        assert_eq!(names.intern(""), 0);
        let shop = names.intern("shop");
        assert_eq!(names.intern("orders"), shop + 1);
        assert_eq!(names.intern("shop"), shop);
        assert_eq!(names.get(shop), "shop");
        assert_eq!(names.get(999), "");
        assert_eq!(names.intern_opt(None), 0);
        assert_eq!(names.len(), 3);
    }
}
