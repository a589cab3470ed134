import { NotBuilt } from "@/components/forms";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Billing</h1>
          <p className="sub">Plan, invoices and metered usage.</p>
        </div>
      </div>
      <NotBuilt what="Plan, prices and invoices will show here." when="the Billing feature" />
    </>
  );
}
