import { Suspense } from "react";
import { BillingView } from "@/components/panels/BillingView";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Billing</h1>
          <p className="sub">Plan, current-period invoice, Stripe metering and prices.</p>
        </div>
      </div>
      <Suspense>
        <BillingView />
      </Suspense>
    </>
  );
}
