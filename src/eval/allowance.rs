//! What one walked file may spend: one allowance shared by every scope of its expansion.
//!
//! A template is expanded many times over: once per parameter file, once more per allowed
//! value of a parameter that decides an image, and every nested deployment, linked template and
//! template embedded in a plan opens a scope of its own. Each of those used to get a fresh
//! budget, so the cost of a file multiplied with them (nested copy loops cost 1000^k). One
//! [`Allowance`] per walked file, charged by all of them, makes the worst case of a file a
//! constant: [`Limits::max_steps`] evaluation steps, [`Limits::max_resources`] resources (each
//! instance of a deployment, linked template or module among them: a file deploying another
//! three times, which deploys the next three times, and so on, is charged per instance, not
//! once per file read) and [`Limits::max_linked_bytes`] bytes of linked templates, whatever
//! the file does.

use std::cell::Cell;

use super::Limits;

/// What an [`Allowance`] had spent at one moment: the loading stage expands a template again
/// when it read more linked files, and each expansion must spend from where the first one
/// started, as if it had been the only one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spent {
    steps: u64,
    resources: usize,
    linked_bytes: u64,
}

/// What the budget of linked bytes has seen so far ([`Allowance::linked_reads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkedReads {
    /// Linked files that did not fit.
    pub(crate) refusals: u64,
    /// Bytes of linked files taken.
    pub(crate) bytes: u64,
}

/// Evaluation steps and resources left to one walked file, and the run's other bounds of it
/// (what every scope and frontend spending the allowance holds the file to).
#[derive(Debug)]
pub(crate) struct Allowance {
    steps: Cell<u64>,
    resources: Cell<usize>,
    linked_bytes: Cell<u64>,
    /// How many times [`Allowance::linked_bytes_fit`] said no.
    linked_refusals: Cell<u64>,
    /// The run's limits: the budgets spent here, and the bounds that are not spent (string and
    /// array sizes, nesting, document sizes) but hold for the same file.
    limits: Limits,
}

impl Allowance {
    /// A full allowance of `limits`.
    pub(crate) fn new(limits: &Limits) -> Self {
        Allowance {
            steps: Cell::new(0),
            resources: Cell::new(0),
            linked_bytes: Cell::new(0),
            linked_refusals: Cell::new(0),
            limits: limits.clone(),
        }
    }

    /// The limits the allowance was made of: what the file is held to.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Charges `n` steps; false when the steps are (now) spent.
    pub(crate) fn charge(&self, n: u64) -> bool {
        let used = self.steps.get().saturating_add(n);
        self.steps.set(used);
        used <= self.limits.max_steps
    }

    /// Whether the steps are spent.
    pub(crate) fn steps_spent(&self) -> bool {
        self.steps.get() >= self.limits.max_steps
    }

    /// The steps spent so far.
    #[cfg(test)]
    pub(crate) fn steps_used(&self) -> u64 {
        self.steps.get()
    }

    /// The step budget.
    pub(crate) fn max_steps(&self) -> u64 {
        self.limits.max_steps
    }

    /// Takes one resource; false when the resources are spent.
    pub(crate) fn take_resource(&self) -> bool {
        let taken = self.resources.get();
        if taken >= self.limits.max_resources {
            return false;
        }
        self.resources.set(taken + 1);
        true
    }

    /// Whether the resources are spent.
    pub(crate) fn resources_spent(&self) -> bool {
        self.resources.get() >= self.limits.max_resources
    }

    /// The resource budget.
    pub(crate) fn max_resources(&self) -> usize {
        self.limits.max_resources
    }

    /// Whether `bytes` more of linked files fit in the budget (nothing is taken).
    pub(crate) fn linked_bytes_fit(&self, bytes: u64) -> bool {
        let fit = self.linked_bytes.get().saturating_add(bytes) <= self.limits.max_linked_bytes;
        if !fit {
            self.linked_refusals.set(self.linked_refusals.get() + 1);
        }
        fit
    }

    /// How many linked files did not fit in the budget, and the bytes taken: what a piece of
    /// work did with the budget (a lowering that was refused none took only bytes, and from a
    /// budget with those bytes left it would do the same).
    pub(crate) fn linked_reads(&self) -> LinkedReads {
        LinkedReads {
            refusals: self.linked_refusals.get(),
            bytes: self.linked_bytes.get(),
        }
    }

    /// Takes `bytes` of linked files read (whether or not they fit: they were read).
    pub(crate) fn take_linked_bytes(&self, bytes: u64) {
        self.linked_bytes
            .set(self.linked_bytes.get().saturating_add(bytes));
    }

    /// The budget of linked files' bytes.
    pub(crate) fn max_linked_bytes(&self) -> u64 {
        self.limits.max_linked_bytes
    }

    /// What has been spent so far, to go back to.
    pub(crate) fn spent(&self) -> Spent {
        Spent {
            steps: self.steps.get(),
            resources: self.resources.get(),
            linked_bytes: self.linked_bytes.get(),
        }
    }

    /// The evaluation steps spent since `spent`.
    pub(crate) fn steps_since(&self, spent: Spent) -> u64 {
        self.steps.get().saturating_sub(spent.steps)
    }

    /// Gives back the evaluation steps and resources spent since `spent` (an expansion that
    /// is done again).
    pub(crate) fn restore_evaluation(&self, spent: Spent) {
        self.steps.set(spent.steps);
        self.resources.set(spent.resources);
    }

    /// Gives back the bytes of linked files taken since `spent` (files whose reading is
    /// undone, to be read again in another order).
    pub(crate) fn restore_linked_bytes(&self, spent: Spent) {
        self.linked_bytes.set(spent.linked_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_resources_run_out_once_for_all_their_users() {
        let limits = Limits {
            max_steps: 10,
            max_resources: 2,
            ..Limits::default()
        };
        let allowance = Allowance::new(&limits);
        assert!(allowance.charge(6));
        assert!(!allowance.steps_spent());
        assert!(allowance.charge(4));
        assert!(allowance.steps_spent());
        assert!(!allowance.charge(1));
        assert!(allowance.take_resource());
        assert!(allowance.take_resource());
        assert!(allowance.resources_spent());
        assert!(!allowance.take_resource());
    }
}
